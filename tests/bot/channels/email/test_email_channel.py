"""The e-mail channel against real mail servers, with the engine down (the bot's apology is the
answer): what is stored, what is skipped, how replies are threaded, and bad mail."""

from sqlalchemy import select

from bot.channels.email import mailbox
from bot.models.conversation import Attachment, Author, Channel, Conversation, Message
from bot.models.handoff import Ticket
from bot.privacy.audit import Actor
from bot.privacy.erase import erase_person
from bot.privacy.export import export_person
from db.base import utcnow
from testing.waiting import wait_until
from tests.bot.channels.email.conftest import customer_email, text_of
from tests.bot.privacy.story import traces


def _customer_messages(gateway) -> list[Message]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Message).where(Message.author == Author.CUSTOMER).order_by(Message.id)))


def _conversations(gateway) -> list[Conversation]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Conversation).order_by(Conversation.created_at)))


def _all_marked(mailboxes, count: int) -> bool:
    flags = mailboxes.shop_flags()
    return len(flags) == count and all(b"$KoliberStored" in flag for flag in flags)


def test_an_email_is_stored_once_marked_and_answered_in_its_thread(email_gateway, mailboxes):
    gateway = email_gateway()
    sent = customer_email(mailboxes.customer, "Zamówienie 48213", "Dzień dobry, gdzie jest moja paczka?")
    mailboxes.send(sent)
    [reply] = mailboxes.wait_for(mailboxes.customer, 1)
    assert reply["In-Reply-To"] == sent["Message-ID"] and sent["Message-ID"] in reply["References"]
    assert reply["Subject"] == "Re: Zamówienie 48213"
    assert reply["From"].addresses[0].addr_spec == mailboxes.shop.lower() or reply["From"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert "Przepraszam" in text_of(reply)  # the engine is down: the apology, in Polish, with a ticket
    assert reply.get_body(preferencelist=("html",)) is not None
    wait_until(lambda: _all_marked(mailboxes, 1), what="the e-mail marked as stored")
    [stored] = _customer_messages(gateway)
    assert (stored.channel, stored.text, stored.external_id) == (Channel.EMAIL, "Dzień dobry, gdzie jest moja paczka?",
                                                                sent["Message-ID"])
    [conversation] = _conversations(gateway)
    assert (conversation.address, conversation.subject) == (mailboxes.customer, "Zamówienie 48213")


def test_a_restart_between_storing_and_marking_stores_nothing_twice(email_gateway, mailboxes, make_gateway):
    email_gateway()
    mailboxes.send(customer_email(mailboxes.customer, "Zwrot", "Chcę zwrócić buty."))
    wait_until(lambda: _all_marked(mailboxes, 1), what="the e-mail marked as stored")
    # The mark is lost (the gateway died after storing, before marking): the next gateway reads it again.
    imap = mailboxes.servers.dovecot.connect(mailboxes.shop)
    imap.select("INBOX")
    imap.store("1", "-FLAGS", "($KoliberStored)")
    imap.logout()
    again = email_gateway()
    wait_until(lambda: _all_marked(mailboxes, 1), what="the e-mail marked again")
    assert [m.text for m in _customer_messages(again)] == ["Chcę zwrócić buty."]
    assert len(mailboxes.wait_for(mailboxes.customer, 1)) == 1


def test_a_quoted_polish_reply_joins_its_thread_and_a_new_subject_starts_a_new_conversation(email_gateway, mailboxes):
    gateway = email_gateway()
    first = customer_email(mailboxes.customer, "Paczka", "Gdzie jest moja paczka?")
    mailboxes.send(first)
    [answer] = mailboxes.wait_for(mailboxes.customer, 1)
    quoted = "\n".join(f"> {line}" for line in text_of(answer).splitlines())
    reply = customer_email(mailboxes.customer, f"Re: {answer['Subject']}", replying_to=answer, text=(
        "Numer zamówienia to 48213.\n\nPozdrawiam\nJan Kowalski\n\n"
        f"W dniu 5.12.2026 o 14:03, Sklep Koliber <{mailboxes.shop}> napisał(a):\n{quoted}\n"))
    mailboxes.send(reply)
    mailboxes.send(customer_email(mailboxes.customer, "Faktura", "Proszę o fakturę do zamówienia 48213."))
    replies = mailboxes.wait_for(mailboxes.customer, 3)
    assert [m.text for m in _customer_messages(gateway)] == [
        "Gdzie jest moja paczka?", "Numer zamówienia to 48213.", "Proszę o fakturę do zamówienia 48213."]
    conversations = _conversations(gateway)
    assert len(conversations) == 2 and [c.subject for c in conversations] == ["Paczka", "Faktura"]
    with gateway.sessions() as session:
        thread = session.scalars(select(Message).where(Message.conversation_id == conversations[0].id)).all()
        assert [m.author for m in thread].count(Author.CUSTOMER) == 2
    second_answer = next(m for m in replies if m["In-Reply-To"] == reply["Message-ID"])
    assert answer["Message-ID"] in second_answer["References"] and first["Message-ID"] in second_answer["References"]


def test_html_only_mail_and_attachments_are_read_and_kept_for_agents(email_gateway, mailboxes):
    gateway = email_gateway()  # attachments up to 10 MB are kept
    message = customer_email(mailboxes.customer, "Reklamacja",
                             html="<p>Buty są <b>uszkodzone</b>, zdjęcie w załączniku.</p>"
                                  "<blockquote>stara wiadomość</blockquote>")
    message.add_attachment(b"\x89PNG fake photo", maintype="image", subtype="png", filename="but.png")
    message.add_attachment(b"%PDF" + b"0" * (30 * 1024 * 1024), maintype="application", subtype="pdf",
                           filename="faktura.pdf")  # 30 MB
    message.add_attachment(b"MZ", maintype="application", subtype="x-msdownload", filename="zdjecie.exe")
    mailboxes.send(message)
    wait_until(lambda: _all_marked(mailboxes, 1), what="the e-mail stored")
    [stored] = _customer_messages(gateway)
    assert stored.text == "Buty są uszkodzone, zdjęcie w załączniku."
    with gateway.sessions() as session:
        files = session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(f.filename, f.refused, f.content is not None) for f in files] == [
            ("but.png", None, True), ("faktura.pdf", "too_large", False), ("zdjecie.exe", "type", False)]
        assert files[0].content == b"\x89PNG fake photo"


def test_machines_are_not_answered(email_gateway, mailboxes):
    gateway = email_gateway()
    mailboxes.send(customer_email(mailboxes.customer, "Nieobecność", "Jestem na urlopie.",
                                  headers={"Auto-Submitted": "auto-replied"}))
    mailboxes.send(customer_email("newsletter@example.pl", "Promocje", "Nowości!",
                                  headers={"List-Id": "<news.example.pl>"}))
    mailboxes.send(customer_email("no-reply@example.pl", "Powiadomienie", "Paczka nadana."))
    bounce_raw = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.pl>\r\nTo: sklep@koliber.test\r\n"
                  b"Subject: Undelivered Mail\r\nMessage-ID: <bounce1@mx.example.pl>\r\nMIME-Version: 1.0\r\n"
                  b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
                  b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
                  b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n")
    mailboxes.send(bounce_raw)
    wait_until(lambda: _all_marked(mailboxes, 4), what="four e-mails looked at")
    assert _customer_messages(gateway) == []
    assert mailboxes.inbox(mailboxes.customer) == []


def test_bad_mail_is_skipped_or_kept_and_the_channel_keeps_reading(email_gateway, mailboxes):
    gateway = email_gateway()
    mailboxes.send(b"This is not an e-mail at all\r\n\r\n")
    mailboxes.send(b"From: " + mailboxes.customer.encode() + b"\r\nSubject: =?x-unknown?q?abc?=\r\n"
                   b"Message-ID: <cs1@example.pl>\r\n"
                   b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nGdzie jest paczka? \xff\xfe\r\n")
    mailboxes.send(customer_email(mailboxes.customer, "", ""))  # nothing at all to read: kept for a person
    long_thread = "\n".join(f"> linia {number}" for number in range(10_000))
    mailboxes.send(customer_email(mailboxes.customer, "Re: Długi wątek",
                                  f"Dziękuję, to wszystko.\n\nJan napisał:\n{long_thread}"))
    wait_until(lambda: _all_marked(mailboxes, 4), what="four e-mails looked at")
    texts = [m.text for m in _customer_messages(gateway)]
    assert texts[0].startswith("Gdzie jest paczka?") and texts[1:] == ["[—]", "Dziękuję, to wszystko."]
    with gateway.sessions() as session:  # the e-mail with nothing to read waits for a person
        [ticket] = session.scalars(select(Ticket).where(Ticket.summary == "[—]")).all()
        assert ticket.channel == Channel.EMAIL and ticket.contact_details == mailboxes.customer
    # After the bad ones, a good e-mail is still read and answered.
    mailboxes.send(customer_email(mailboxes.customer, "Pytanie", "Czy mogę zmienić adres?"))
    wait_until(lambda: len(_customer_messages(gateway)) == 4, what="the good e-mail stored")


def test_an_erasure_request_removes_the_mail_its_subject_and_attachments(email_gateway, mailboxes):
    gateway = email_gateway()
    message = customer_email(mailboxes.customer, "Reklamacja butów Jana", "Buty są uszkodzone.")
    message.add_attachment(b"%PDF faktura Jana", maintype="application", subtype="pdf", filename="faktura-jana.pdf")
    mailboxes.send(message)
    mailboxes.wait_for(mailboxes.customer, 1)
    exported = export_person(gateway.sessions, mailboxes.customer, Actor("test"), lambda _: {}, utcnow)
    [conversation] = exported.document["conversations"]
    assert conversation["subject"] == "Reklamacja butów Jana"
    assert [a["filename"] for m in conversation["messages"] for a in m["attachments"]] == ["faktura-jana.pdf"]

    erasure = erase_person(gateway.sessions, mailboxes.customer, Actor("test"), lambda _: None, utcnow)
    assert erasure.counts["conversations"] == 1
    database = gateway.client.app.state.gateway.database
    assert traces(database, [mailboxes.customer, "Reklamacja butów Jana", "Buty są uszkodzone", "faktura-jana",
                             message["Message-ID"]]) == []


def test_an_email_too_large_to_read_is_left_for_people_and_the_next_one_is_read(email_gateway, mailboxes,
                                                                                monkeypatch, caplog):
    monkeypatch.setattr(mailbox, "LARGEST_EMAIL_BYTES", 100 * 1024)  # 60 MB in production
    gateway = email_gateway()
    huge = customer_email(mailboxes.customer, "Zdjęcia", "W załączniku zdjęcia.")
    huge.add_attachment(b"\xff" * (200 * 1024), maintype="image", subtype="jpeg", filename="zdjecia.jpg")
    mailboxes.send(huge)
    mailboxes.send(customer_email(mailboxes.customer, "Pytanie", "Czy dostanę fakturę?"))
    wait_until(lambda: _all_marked(mailboxes, 2), what="both e-mails looked at")
    assert [m.text for m in _customer_messages(gateway)] == ["Czy dostanę fakturę?"]
    assert "left in the mailbox for a person" in caplog.text
