"""E-mail tests run against real mail servers: Dovecot serving the shop's and the customers'
mailboxes over IMAP, and an SMTP server (aiosmtpd) that delivers the gateway's replies into them."""

import email
import email.policy
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from bot.dev_mailbox import DevMailbox, Dovecot
from testing.waiting import wait_until

SHOP = "sklep@koliber.test"
AUTHSERV_ID = "mx.koliber.test"


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[DevMailbox]:
    if not Dovecot.installed():
        pytest.fail("Dovecot is not installed: run `make system` (Debian's dovecot-imapd)")
    servers = DevMailbox().start()
    yield servers
    servers.stop()


def mail_settings(servers: DevMailbox, shop: str = SHOP) -> dict[str, str]:
    return {**servers.gateway_settings(shop), "KOLIBER_EMAIL_AUTHSERV_ID": AUTHSERV_ID}


def customer_email(sender: str, subject: str, text: str | None = None, *, html: str | None = None,
                   replying_to: EmailMessage | None = None, proven: bool = False, to: str = SHOP,
                   headers: dict[str, str] | None = None) -> EmailMessage:
    """An e-mail as a customer's mail program writes it (and the shop's server stamps it, when `proven`)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if replying_to is not None:
        message["In-Reply-To"] = replying_to["Message-ID"]
        message["References"] = " ".join(filter(None, [replying_to.get("References"), replying_to["Message-ID"]]))
    if proven:
        domain = sender.rpartition("@")[2]
        message["Authentication-Results"] = (f"{AUTHSERV_ID}; dkim=pass header.d={domain}; "
                                             f"spf=pass smtp.mailfrom={sender}; dmarc=pass header.from={domain}")
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


@dataclass
class Mailboxes:
    servers: DevMailbox
    shop: str
    customer: str  # a customer's address of this test's own

    def send(self, message: EmailMessage | bytes) -> None:
        """The customer's e-mail arrives in the shop's mailbox."""
        raw = message if isinstance(message, bytes) else message.as_bytes(policy=email.policy.SMTP)
        self.servers.dovecot.deliver(self.shop, raw)

    def inbox(self, address: str) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for _, raw in self.servers.dovecot.inbox(address)]

    def wait_for(self, address: str, count: int, timeout: float = 30) -> list[EmailMessage]:
        """The first `count` e-mails in `address`'s inbox, once they have arrived."""
        return wait_until(lambda: (found := self.inbox(address)) and len(found) >= count and found[:count],
                          timeout, f"{count} e-mails to {address}")

    def shop_flags(self) -> list[bytes]:
        return [flags for flags, _ in self.servers.dovecot.inbox(self.shop)]


@pytest.fixture
def mailboxes(mail_servers) -> Mailboxes:
    """Mailboxes of this test's own (fresh addresses), so tests never read each other's mail."""
    test = uuid.uuid4().hex[:8]
    return Mailboxes(mail_servers, f"shop-{test}@koliber.test", f"jan.kowalski.{test}@example.pl")


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def email_gateway(make_gateway, database_url, mailboxes) -> Callable:
    """Starts a gateway (engine down unless given) reading this test's shop mailbox."""
    def start(**extra):
        return make_gateway(database_url, **{**mail_settings(mailboxes.servers, mailboxes.shop), **extra})
    return start
