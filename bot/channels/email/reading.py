"""Reads one raw e-mail as the bot and the agents need it: who sent it and whether the shop's own
mail server proved it, which thread it answers, only the new text (no quoted history, no
signature), its attachments, and whether a machine sent it (auto-replies, bounces, lists)."""

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

import authres
import authres.dmarc  # noqa: F401 - registers DMARC results with the parser
import html2text
from mailparser_reply import EmailReplyParser

from bot.conversations.attachments import ReceivedFile

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# A line that starts quoted history in Outlook-like clients that do not prefix it with ">".
ORIGINAL_MESSAGE = re.compile(r"^\s*-{2,}\s*(original message|wiadomość oryginalna|oryginalna wiadomość|"
                              r"forwarded message|wiadomość przekazana dalej)\s*-{2,}\s*$", re.IGNORECASE)
NO_REPLY_SENDER = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|nie-?odpowiadaj|mailer-daemon|postmaster)"
                             r"([+._-].*)?$", re.IGNORECASE)
# The reply parser's regular expressions read this much of the new text, enough for any question.
REPLY_PARSER_CHARS = 20_000
# An attribution ("W dniu 5.12.2026 o 14:03 Sklep napisał(a):") wraps onto a few lines at most.
ATTRIBUTION_LINES = 3
ATTRIBUTION_PART = re.compile(r"\d|@|<")


class MalformedEmail(ValueError):
    pass


@dataclass(frozen=True)
class IncomingEmail:
    message_id: str
    sender: str  # the From address, lower case
    subject: str
    references: tuple[str, ...]  # In-Reply-To first, then References, newest first
    text: str  # the new text only; may be empty (an attachment alone)
    attachments: tuple[ReceivedFile, ...]
    automated: str | None  # why no reply may go to it: "auto-reply", "bounce", "mailing list", "no-reply sender"
    proven: bool  # the shop's mail server found DMARC (or SPF and DKIM) passing for the sender's domain


def read_email(raw: bytes, authserv_id: str | None) -> IncomingEmail:
    """MalformedEmail when it has no usable sender. `authserv_id` names the shop's receiving server
    (RFC 8601): only its Authentication-Results are believed, since anyone can write that header."""
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
        _, sender = parseaddr(str(message.get("From", "")))
    except Exception as error:  # noqa: BLE001 - the parser's many ways of failing on broken headers
        raise MalformedEmail(f"unreadable headers: {error}") from error
    sender = sender.strip().lower()
    if "@" not in sender or " " in sender:
        raise MalformedEmail("no sender address in From")
    body, attachments = _body_and_attachments(message)
    return IncomingEmail(
        message_id=_message_id(message, raw), sender=sender,
        subject=_header(message, "Subject"), references=_references(message), text=new_text(body),
        attachments=attachments, automated=_automated(message, sender),
        proven=bool(authserv_id) and _sender_proven(message, sender, authserv_id))


def new_text(body: str) -> str:
    """What the sender wrote this time: quoted history, the line introducing it and the signature go."""
    lines = body.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines):
        if line.lstrip().startswith(">") or ORIGINAL_MESSAGE.match(line):
            lines = lines[:_attribution_start(lines, number)]
            break
    text = "\n".join(lines).strip()[:REPLY_PARSER_CHARS]
    if not text:
        return ""
    replies = EmailReplyParser(languages=["pl", "en"]).read(text).replies
    return (replies[0].body if replies else text).strip()


def _attribution_start(lines: list[str], quote: int) -> int:
    """Where the paragraph introducing a quote starts ("On … wrote:", "W dniu … napisał(a):"), or `quote`."""
    end = quote
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    if end == 0 or not lines[end - 1].rstrip().endswith(":"):
        return quote
    start = end - 1
    # A wrapped attribution's first lines carry its date or address; the customer's own words above
    # it ("Thanks,\nJan") do not, and stay.
    while (start > 0 and end - start < ATTRIBUTION_LINES and lines[start - 1].strip()
           and ATTRIBUTION_PART.search(lines[start - 1])):
        start -= 1
    return start


def _header(message: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(message.get(name, "")).split())
    except Exception:  # noqa: BLE001 - an undecodable header reads as empty
        return ""


def _message_id(message: EmailMessage, raw: bytes) -> str:
    found = MESSAGE_ID.search(_header(message, "Message-ID"))
    # A message without one still gets the same id every time it is read, so it is stored once.
    return found.group(0)[:255] if found else f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def _references(message: EmailMessage) -> tuple[str, ...]:
    replied = MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    chain = list(reversed(MESSAGE_ID.findall(_header(message, "References"))))
    return tuple(dict.fromkeys(replied + chain))


def _automated(message: EmailMessage, sender: str) -> str | None:
    """RFC 3834's signs of a message no one should answer automatically."""
    if message.get_content_type() == "multipart/report" or _header(message, "Return-Path") == "<>":
        return "bounce"
    if _header(message, "Auto-Submitted").lower() not in ("", "no") or \
            _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return "auto-reply"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("auto_reply", "auto-reply"):
        return "auto-reply"
    if precedence in ("bulk", "junk", "list") or _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "mailing list"
    if NO_REPLY_SENDER.match(sender.partition("@")[0]):
        return "no-reply sender"
    return None


def _sender_proven(message: EmailMessage, sender: str, authserv_id: str) -> bool:
    """DMARC passing for the From domain, or SPF and DKIM both passing for it, in the first
    Authentication-Results header the shop's own server added (it removes forged ones, RFC 8601)."""
    domain = sender.rpartition("@")[2]
    for value in message.get_all("Authentication-Results") or []:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(" ".join(str(value).split()))
        except Exception:  # noqa: BLE001 - authres.SyntaxError and friends: not a header we can believe
            continue
        if header.authserv_id.lower() != authserv_id.lower():
            continue
        passed = {(result.method, _property(result, "from") or _property(result, "d")
                   or _property(result, "mailfrom").rpartition("@")[2])
                  for result in header.results if result.result == "pass"}
        return ("dmarc", domain) in passed or {("spf", domain), ("dkim", domain)} <= passed
    return False


def _property(result, name: str) -> str:
    return next((str(prop.value).lower() for prop in result.properties if prop.name == name), "")


def _body_and_attachments(message: EmailMessage) -> tuple[str, tuple[ReceivedFile, ...]]:
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = _decoded(body_part)
        if body_part.get_content_type() == "text/html":
            body = _html_as_text(body)
    files = []
    for part in message.walk():
        if part.is_multipart() or part is body_part or part.get_content_type() == "message/delivery-status":
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_maintype() == "text" and not part.is_attachment():
            continue  # the other alternative of the body (its HTML or plain copy)
        payload = part.get_payload(decode=True) or b""
        files.append(ReceivedFile(filename or f"attachment-{len(files) + 1}", part.get_content_type(), payload))
    return body, tuple(files)


def _decoded(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: keep what can be read
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")


def _html_as_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = converter.ignore_emphasis = converter.ignore_links = True
    return converter.handle(html)
