"""The log line every Koliber process writes: one JSON object per record, naming the process, the
conversation and the customer turn, with personal data masked.

    {"timestamp": "2026-11-23T09:00:00.123Z", "level": "INFO", "logger": "bot.observability.turns",
     "message": "turn started: customer message", "service": "gateway", "conversation_id": "…", "turn_id": "…"}

So `grep <turn id> var/log/*.log` (or a log store's query on `turn_id`) follows one customer
message through the gateway, the engine and the action server. KOLIBER_LOG_FORMAT=text gives
classic lines for a developer's terminal; KOLIBER_LOG_MASK_PERSONAL_DATA=false shows e-mail
addresses, phone numbers and postcodes while debugging.

Standard library only (and text/masking.py): the engine's environment imports it too.
"""

import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TextIO

from contracts.turn_context import conversation_id_var, turn_id_var
from text.masking import mask_personal_data

FORMAT_VARIABLE = "KOLIBER_LOG_FORMAT"
MASK_VARIABLE = "KOLIBER_LOG_MASK_PERSONAL_DATA"
FORMATS = ("json", "text")
# Libraries that say too much at INFO: httpx each request's URL (the engine's HTTP API carries its
# token in it), Twilio's client each request's headers and parameters, APScheduler each job's run.
QUIET_LIBRARIES = ("httpx", "httpcore", "twilio", "apscheduler")
# What pydantic-settings reads as a boolean, so the gateway and the other processes agree.
_TRUE, _FALSE = ("1", "true", "yes", "on", "t", "y"), ("0", "false", "no", "off", "f", "n")


@dataclass(frozen=True)
class LogOptions:
    json_lines: bool = True
    mask_personal_data: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "LogOptions":
        """The options the gateway's settings give, read by the engine and the action server from
        the environment `koliber run` hands them; a wrong value stops the process at start-up."""
        log_format = environ.get(FORMAT_VARIABLE, "json").strip().lower()
        if log_format not in FORMATS:
            raise ValueError(f"{FORMAT_VARIABLE} must be one of {', '.join(FORMATS)}, not {log_format!r}")
        mask = environ.get(MASK_VARIABLE, "true").strip().lower()
        if mask not in _TRUE + _FALSE:
            raise ValueError(f"{MASK_VARIABLE} must be true or false, not {mask!r}")
        return cls(json_lines=log_format == "json", mask_personal_data=mask in _TRUE)


class TurnContext(logging.Filter):
    """Puts the process's name and the conversation and turn being worked on into each record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.conversation_id = conversation_id_var.get()
        record.turn_id = turn_id_var.get()
        return True


class PersonalDataMask(logging.Filter):
    """Masks e-mail addresses, phone numbers and postcodes in the message, its arguments and the
    traceback, before any handler's formatter sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed call is the handler's to report, as usual
            return True
        record.msg, record.args = mask_personal_data(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": getattr(record, "service", None),
        }
        for key in ("conversation_id", "turn_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-8s %(name)s%(turn)s - %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        turn_id = getattr(record, "turn_id", None)
        record.turn = f" [turn {turn_id}]" if turn_id else ""
        return super().format(record)


def log_handler(service: str, options: LogOptions, stream: TextIO | None = None) -> logging.Handler:
    """A handler that writes Koliber's log lines to `stream` (standard error by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(TurnContext(service))
    if options.mask_personal_data:
        handler.addFilter(PersonalDataMask())
    handler.setFormatter(JsonLines() if options.json_lines else TextLines())
    return handler


def configure_logging(service: str, options: LogOptions, level: int | str = logging.INFO) -> logging.Handler:
    """Makes Koliber's log lines the process's only root handler; libraries' own loggers that
    propagate end up there too, and so do Python's warnings."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    handler = log_handler(service, options)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(logging.WARNING)
    return handler
