"""Sentence splitting for Polish and English, and screen text rewritten for the phone."""

import pytest

from voice.tts.sentences import speakable, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # Polish
        (
            "Dzień dobry, tu sklep Koliber. W czym mogę pomóc? Zapraszam!",
            ["Dzień dobry, tu sklep Koliber.", "W czym mogę pomóc? Zapraszam!"],  # a 1-word tail joins in
        ),
        (
            "Mamy np. buty i kurtki. Sklep jest przy ul. Długiej 5. Nr zamówienia to 12345.",
            ["Mamy np. buty i kurtki.", "Sklep jest przy ul. Długiej 5.", "Nr zamówienia to 12345."],
        ),
        (
            "Buty kosztują 199,00 zł. Dostawa kosztuje 12.50 zł. Razem 211,50 zł.",
            ["Buty kosztują 199,00 zł.", "Dostawa kosztuje 12.50 zł.", "Razem 211,50 zł."],
        ),
        (
            "Kurier przyjedzie jutro o 14:00. Napisz na sklep@koliber.pl. Odpowiemy w ciągu doby.",
            ["Kurier przyjedzie jutro o 14:00.", "Napisz na sklep@koliber.pl.", "Odpowiemy w ciągu doby."],
        ),
        (
            "Zamówienie KOL-2026/11/0042 jest w drodze. Śledź je w naszej aplikacji.",
            ["Zamówienie KOL-2026/11/0042 jest w drodze.", "Śledź je w naszej aplikacji."],
        ),
        (
            "Dostawa 23. listopada, w poniedziałek. Paczkę odbierze J. Kowalski z recepcji.",
            ["Dostawa 23. listopada, w poniedziałek.", "Paczkę odbierze J. Kowalski z recepcji."],
        ),
        (
            "Mamy buty, kurtki… i wiele więcej. Chwileczkę, sprawdzam to… Zamówienie jest gotowe.",
            ["Mamy buty, kurtki… i wiele więcej.", "Chwileczkę, sprawdzam to…", "Zamówienie jest gotowe."],
        ),
        (
            "Dostawa trwa ok. 2 dni robocze. Wszystko jest ok. Dzięki za cierpliwość!",
            ["Dostawa trwa ok. 2 dni robocze.", "Wszystko jest ok.", "Dzięki za cierpliwość!"],
        ),
        (
            "Godziny otwarcia:\npn–pt 9–17\nsob 10–14, niedziela zamknięte",
            ["Godziny otwarcia: pn–pt 9–17", "sob 10–14, niedziela zamknięte"],  # a line always ends one
        ),
        # English
        (
            "Mr. Smith ordered two items. They ship today from our Warsaw store.",
            ["Mr. Smith ordered two items.", "They ship today from our Warsaw store."],
        ),
        (
            "Use a code, e.g. KOLIBER10, at checkout. It gives you 10% off, i.e. 12.50 zł.",
            ["Use a code, e.g. KOLIBER10, at checkout.", "It gives you 10% off, i.e. 12.50 zł."],
        ),
        (
            "No. We don't ship to Mars. Order No. 5 is ready for pick-up.",
            ["No. We don't ship to Mars.", "Order No. 5 is ready for pick-up."],
        ),
        (
            'She said "Thank you so much." Then she left the shop.',
            ['She said "Thank you so much."', "Then she left the shop."],
        ),
        (
            "Is it really free?! that is great news. Anything else?",
            ["Is it really free?!", "that is great news. Anything else?"],
        ),
        ("  Hello   there,\tmy  friend.  ", ["Hello there, my friend."]),
        ("", []),
        ("\n \n", []),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_short_fragments_are_kept_apart_when_asked():
    assert split_sentences("Tak. Nie. Może.", min_words=1) == ["Tak.", "Nie.", "Może."]
    assert split_sentences("Tak. Nie. Może.") == ["Tak. Nie. Może."]


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        # web addresses: the lead-in goes with the address, the sentence's full stop stays
        ("Formularz znajdziesz pod adresem https://koliber.pl/zwroty. Dziękujemy!", "pl",
         "Formularz znajdziesz na naszej stronie. Dziękujemy!"),
        ("Find the form at https://koliber.pl/returns?lang=en. Thanks!", "en",
         "Find the form on our website. Thanks!"),
        ("Szczegóły: www.koliber.pl/dostawa", "pl", "Szczegóły: na naszej stronie."),
        ("Wypełnij [formularz zwrotu](https://koliber.pl/zwroty).", "pl",
         "Wypełnij formularz zwrotu na naszej stronie."),
        ("Napisz na sklep24@koliber.pl albo 500600700.", "pl", "Napisz na sklep24@koliber.pl albo pięć zero zero, sześć zero zero, siedem zero zero."),
        # markdown and emoji
        ("**Dobra wiadomość** 🎉: _paczka_ jest `gotowa` ✅", "pl", "Dobra wiadomość: paczka jest gotowa."),
        ("Cena: ~~249,00 zł~~ **199,00 zł**", "pl", "Cena: sto dziewięćdziesiąt dziewięć złotych."),
        ("Koszyk → Zamówienia → Zwroty", "pl", "Koszyk, Zamówienia, Zwroty."),
        # money, in the language's plural forms
        ("Dostawa 12,50 zł, buty 1 299,00 zł, skarpety 22 zł, naklejka 1 zł, gratis 0,99 zł.", "pl",
         "Dostawa dwanaście złotych pięćdziesiąt groszy, buty tysiąc dwieście dziewięćdziesiąt dziewięć złotych, "
         "skarpety dwadzieścia dwa złote, naklejka jeden złoty, gratis dziewięćdziesiąt dziewięć groszy."),
        ("It costs 12.50 PLN, or €20, or 1,299.00 EUR; prices are in PLN.", "en",
         "It costs twelve zlotys fifty groszy, or twenty euros, or one thousand two hundred and ninety-nine euros; "
         "prices are in zlotys."),
        ("Cena 20 € albo 85 PLN.", "pl", "Cena dwadzieścia euro albo osiemdziesiąt pięć złotych."),
        # dashes, ranges and clock times
        ("Zapraszamy 9–17 — także w soboty – do 14:30!", "pl", "Zapraszamy 9 do 17, także w soboty, do czternastej trzydzieści!"),
        ("We are open 9:00–17:30 - see you!", "en", "We are open nine am to five thirty pm, see you!"),
        ("Pracujemy pon.–pt. 8:00–20:00, sob. 9:00–15:00.", "pl",
         "Pracujemy od poniedziałku do piątku od ósmej do dwudziestej, sobota od dziewiątej do piętnastej."),
        ("We work Mon–Fri 8 am–8 pm, Sat 9 am–3 pm.", "en",
         "We work Monday to Friday 8 am to 8 pm, Saturday 9 am to 3 pm."),
        # long numbers digit by digit, abbreviations espeak spells out
        ("Numer przesyłki: 00123456789, tel. 500 600 700, m.in. DPD", "pl",
         "Numer przesyłki: zero zero jeden, dwa trzy cztery, pięć sześć siedem, osiem dziewięć, telefon 500 600 700, "
         "między innymi DPD."),
        ("Order #1234567 ships with e.g. DPD.", "en", "Order one two three, four five, six seven ships with for example DPD."),
    ],
)
def test_speakable(text, language, said):
    assert speakable(text, language) == said


def test_lists_headings_and_tables_become_one_sentence_per_line():
    text = "# Dostawa\nMamy trzy opcje:\n- kurier DPD,\n- paczkomat 📦\n* odbiór osobisty\n\n1. Zaloguj się\n2) Wybierz"
    assert speakable(text, "pl").splitlines() == [
        "Dostawa.",
        "Mamy trzy opcje:",
        "kurier DPD.",
        "paczkomat.",
        "odbiór osobisty.",
        "Zaloguj się.",
        "Wybierz.",
    ]
    table = "| Produkt | Cena |\n|---|---|\n| Buty | 199 zł |"
    assert speakable(table, "pl").splitlines() == ["Produkt, Cena.", "Buty, sto dziewięćdziesiąt dziewięć złotych."]


def test_a_paragraph_wrapped_mid_sentence_is_joined_back():
    assert speakable("Twoje zamówienie zostało\nwysłane wczoraj.\nDziękujemy", "pl").splitlines() == [
        "Twoje zamówienie zostało wysłane wczoraj.",
        "Dziękujemy.",
    ]


def test_speakable_then_split_gives_one_sentence_per_list_item():
    text = "Możesz zapłacić:\n- kartą przy odbiorze\n- BLIK-iem w aplikacji\n- przelewem na konto"
    assert split_sentences(speakable(text, "pl")) == [
        "Możesz zapłacić: kartą przy odbiorze.",
        "BLIK-iem w aplikacji.",
        "przelewem na konto.",
    ]


def test_region_tags_fall_back_to_the_language_and_unknown_languages_are_refused():
    assert speakable("Koszt: 5 zł", "pl-PL") == speakable("Koszt: 5 zł", "pl")
    assert speakable("Cost: 5 zł", "en_GB") == "Cost: five zlotys."
    with pytest.raises(ValueError, match="de"):
        speakable("Hallo", "de")
