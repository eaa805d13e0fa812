"""A mail server of one's own for development and the tests: Dovecot serving IMAP from a
temporary folder, where every address has a mailbox (password `koliber`), and an SMTP server
(aiosmtpd) that delivers what it receives into those mailboxes. `koliber run` starts one in
development when no mailbox is configured, so a newcomer can write to the bot with any mail
program; nothing here is used in production."""

import asyncio
import contextlib
import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bot.processes import free_port

DEV_PASSWORD = "koliber"
# Where `koliber run` serves the development mailbox, so `koliber email` and mail programs find it.
DEV_IMAP_PORT = 1143
DEV_SMTP_PORT = 2525
START_SECONDS = 20

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
default_login_user = {login_user}
default_internal_user = {internal_user}
"""


class DovecotMissing(RuntimeError):
    pass


class Dovecot:
    """Dovecot's IMAP server on a free port of 127.0.0.1. As root it runs mail as the `dovecot`
    user (Dovecot refuses root), otherwise as the current user."""

    def __init__(self, directory: Path | None = None, port: int | None = None) -> None:
        self._temporary = directory is None  # removed on stop; a given folder keeps its mail
        self.root = Path(directory or tempfile.mkdtemp(prefix="koliber-mail-"))
        self.port = port or free_port()
        self._process: subprocess.Popen | None = None

    @staticmethod
    def installed() -> bool:
        return shutil.which("dovecot") is not None

    def start(self) -> "Dovecot":
        if not self.installed():
            raise DovecotMissing("Dovecot is not installed (Debian: apt-get install dovecot-imapd)")
        (self.root / "mail").mkdir(parents=True, exist_ok=True)
        as_root = os.geteuid() == 0
        user = "dovecot" if as_root else _current_user()
        if as_root:
            self.root.chmod(0o755)
            shutil.chown(self.root / "mail", user, user)
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, password=DEV_PASSWORD, port=self.port, mail_user=user,
                                        login_user="dovenull" if as_root else user, internal_user=user))
        # One left running by a run that was killed holds the folder and the port: stop it first.
        subprocess.run(["dovecot", "-c", str(config), "stop"], capture_output=True, timeout=30)
        self._process = subprocess.Popen(["dovecot", "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self._process, self.root / "dovecot.log")
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(10)
            if self._process.poll() is None:
                self._process.kill()
            self._process = None
        if self._temporary:
            shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(user, DEV_PASSWORD)
        return imap

    def deliver(self, user: str, raw: bytes) -> None:
        """Puts an e-mail into `user`'s inbox, as the mail server does when one arrives."""
        imap = self.connect(user)
        try:
            result, detail = imap.append("INBOX", None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            if result != "OK":
                raise RuntimeError(f"Dovecot did not take the e-mail: {detail}")
        finally:
            imap.logout()

    def inbox(self, user: str) -> list[tuple[bytes, bytes]]:
        """Every e-mail in `user`'s inbox, oldest first, as (its flags, its bytes)."""
        imap = self.connect(user)
        try:
            imap.select("INBOX")
            _, found = imap.uid("search", None, "ALL")
            mails = []
            for uid in found[0].split():
                _, parts = imap.uid("fetch", uid, "(FLAGS BODY.PEEK[])")
                # The message comes as (its FETCH line, its bytes); a flag change another client made
                # meanwhile can arrive first as a bare FETCH line.
                line, raw = next(part for part in parts if isinstance(part, tuple))
                mails.append((line, raw))
            return mails
        finally:
            imap.logout()


class _DeliverToMailboxes:
    """aiosmtpd's handler: each recipient's copy goes into their Dovecot mailbox."""

    def __init__(self, dovecot: Dovecot) -> None:
        self._dovecot = dovecot

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        try:
            for recipient in envelope.rcpt_tos:
                await asyncio.to_thread(self._dovecot.deliver, recipient.lower(),
                                        envelope.original_content or envelope.content)
        except Exception as error:  # noqa: BLE001 - the sender keeps the e-mail and tries again
            return f"451 Could not deliver now: {error}"
        return "250 Message accepted for delivery"


class DevMailbox:
    """Dovecot plus an SMTP server delivering into it, both on 127.0.0.1."""

    def __init__(self, directory: Path | None = None, imap_port: int | None = None,
                 smtp_port: int | None = None) -> None:
        self.dovecot = Dovecot(directory, imap_port)
        self.smtp_port = smtp_port or free_port()
        self._smtp = Controller(_DeliverToMailboxes(self.dovecot), hostname="127.0.0.1", port=self.smtp_port)

    @property
    def imap_port(self) -> int:
        return self.dovecot.port

    def start(self) -> "DevMailbox":
        self.dovecot.start()
        self._smtp.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._smtp.stop()
        self.dovecot.stop()

    def gateway_settings(self, shop_address: str) -> dict[str, str]:
        """The gateway's environment for reading the shop's mailbox here and sending through here."""
        return {"KOLIBER_IMAP_HOST": "127.0.0.1", "KOLIBER_IMAP_PORT": str(self.imap_port),
                "KOLIBER_IMAP_TLS": "false", "KOLIBER_IMAP_USER": shop_address, "KOLIBER_IMAP_PASSWORD": DEV_PASSWORD,
                "KOLIBER_SMTP_HOST": "127.0.0.1", "KOLIBER_SMTP_PORT": str(self.smtp_port),
                "KOLIBER_SMTP_SECURITY": "none", "KOLIBER_EMAIL_FROM": shop_address}


def _current_user() -> str:
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Dovecot stopped at start: {log.read_text() if log.exists() else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not open port {port} in {START_SECONDS} s")
