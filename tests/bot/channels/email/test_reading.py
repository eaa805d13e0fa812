"""Only what the customer wrote this time reaches the engine: quoted history, the attribution line
introducing it (Polish and English, wrapped or not) and signatures go; their own words stay."""

import pytest

from bot.channels.email.reading import new_text


@pytest.mark.parametrize(("body", "written"), [
    ("Gdzie jest moja paczka?\n\nW dniu 5.12.2026 o 14:03, Sklep Koliber pisze:\n> Dzień dobry\n",
     "Gdzie jest moja paczka?"),
    ("Dziękuję, a kiedy dotrze?\n\nsob., 5 gru 2026 o 14:03 Sklep Koliber <sklep@koliber.test>\nnapisał(a):\n\n"
     "> Dzień dobry,\n", "Dziękuję, a kiedy dotrze?"),
    ("Chcę anulować zamówienie.\n\nOd: Sklep Koliber <sklep@koliber.test>\nWysłano: sobota, 5 grudnia 2026 14:03\n"
     "Do: Jan <jan@example.pl>\nTemat: Re: Zamówienie\n\nDzień dobry\n", "Chcę anulować zamówienie."),
    ("Chcę zwrócić buty.\n\nPozdrawiam\nJan Kowalski\n\n-----Wiadomość oryginalna-----\nOd: Sklep\n",
     "Chcę zwrócić buty."),
    ("Dziękuję\nJan\nW dniu 5.12.2026 14:03, Sklep napisał(a):\n> Zamówienie wysłane\n", "Dziękuję\nJan"),
    ("Where is it?\n\nOn Sat, Dec 5, 2026 at 2:03 PM Koliber Shop <\nshop@koliber.test> wrote:\n> Hello\n",
     "Where is it?"),
    ("Thanks, that helps.\n\n-- \nJohn Miller\n+49 151 12345678\n", "Thanks, that helps."),
], ids=["pl-thunderbird", "pl-gmail-wrapped", "pl-outlook", "pl-original-message", "pl-no-blank-line",
        "en-gmail-wrapped", "en-signature"])
def test_only_the_new_words_are_kept(body, written):
    assert new_text(body) == written
