"""Reads the shop's support mailbox over IMAP: every e-mail not yet marked is handed to the
receiver, then marked with a keyword once it is stored (a mark set only after the database has
it, so a crash in between reads it again, and the receiver recognises it by its Message-ID).
New mail arrives by IMAP IDLE where the server offers it, by polling otherwise; a lost
connection is opened again with a growing pause. The mailbox's own \\Seen flags are left to people.
"""

import asyncio
import contextlib
import logging
import re

from aioimaplib import IMAP4, IMAP4_SSL, STOP_WAIT_SERVER_PUSH

from bot.channels.email.receiving import EmailReceiver
from bot.settings import Settings

STORED = "$KoliberStored"
# Larger e-mails are left in the mailbox for people (and logged), never read into memory whole.
LARGEST_EMAIL_BYTES = 60 * 1024 * 1024
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
IMAP_TIMEOUT_SECONDS = 30
LONGEST_PAUSE_SECONDS = 300

log = logging.getLogger(__name__)


class MailboxError(RuntimeError):
    pass


class MailboxReader:
    def __init__(self, settings: Settings, receiver: EmailReceiver) -> None:
        self._settings = settings
        self._receiver = receiver
        self._task: asyncio.Task | None = None
        self._pause = 1.0  # before connecting again; grows while the mailbox stays out of reach

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mailbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._read_until_disconnected()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the server, the network or the database: try again
                log.warning("the mailbox %s could not be read (%s); trying again in %.0f s",
                            self._settings.email_imap_host, error or type(error).__name__, self._pause)
                await asyncio.sleep(self._pause)
                self._pause = min(self._pause * 2, LONGEST_PAUSE_SECONDS)

    async def _read_until_disconnected(self) -> None:
        settings = self._settings
        kind = IMAP4_SSL if settings.email_imap_tls else IMAP4
        imap = kind(host=settings.email_imap_host, port=settings.email_imap_port, timeout=IMAP_TIMEOUT_SECONDS)
        try:
            await imap.wait_hello_from_server()
            await _ok(imap.login(settings.email_imap_user, settings.email_imap_password), "log in")
            await _ok(imap.select(settings.email_imap_folder), f"open {settings.email_imap_folder}")
            self._pause = 1.0
            idle = imap.has_capability("IDLE")  # the server tells of new mail as it comes
            while True:
                # Mail that arrives while one is being stored is announced with that command's answer,
                # not in IDLE: look again until nothing is new, and only then wait.
                while await self.read_new(imap):
                    pass
                await self._wait_for_mail(imap, idle)
        finally:
            with contextlib.suppress(Exception):
                if imap.has_pending_idle():
                    imap.idle_done()
                await asyncio.wait_for(imap.logout(), 2)

    async def _wait_for_mail(self, imap: IMAP4, idle: bool) -> None:
        poll = self._settings.email_poll_seconds
        if not idle:
            await asyncio.sleep(poll)
            return
        idling = await imap.idle_start(timeout=poll)
        pushed = await imap.wait_server_push(timeout=poll + IMAP_TIMEOUT_SECONDS)
        imap.idle_done()
        await asyncio.wait_for(idling, IMAP_TIMEOUT_SECONDS)
        if pushed != STOP_WAIT_SERVER_PUSH:
            log.debug("the mailbox says: %s", pushed)

    async def read_new(self, imap: IMAP4) -> int:
        """Hands every unmarked e-mail to the receiver, oldest first; returns how many."""
        found = await _ok(imap.uid_search(f"UNKEYWORD {STORED}", charset=None), "search")
        uids = [uid.decode() for line in found.lines[:1] for uid in line.split()]
        for uid in uids:
            sized = await _ok(imap.uid("fetch", uid, "(RFC822.SIZE)"), f"size {uid}")
            size = next((int(found.group(1)) for line in sized.lines if (found := SIZE.search(bytes(line)))), 0)
            if size > LARGEST_EMAIL_BYTES:
                log.warning("e-mail %s is %d MB: left in the mailbox for a person, not read", uid, size // 2**20)
            else:
                fetched = await _ok(imap.uid("fetch", uid, "(BODY.PEEK[])"), f"fetch {uid}")
                raw = next((bytes(line) for line in fetched.lines if isinstance(line, bytearray)), None)
                if raw is None:  # expunged meanwhile
                    continue
                received = await self._receiver.receive(raw)
                log.info("e-mail %s: %s %s", uid, received.outcome, received.reason)
            await _ok(imap.uid("store", uid, "+FLAGS", f"({STORED})"), f"mark {uid}")
        return len(uids)


async def _ok(command, what: str):
    response = await command
    if response.result != "OK":
        raise MailboxError(f"could not {what}: {response.result} {response.lines[-1:]}")
    return response
