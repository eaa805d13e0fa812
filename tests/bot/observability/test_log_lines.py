"""Koliber's log lines (contracts/log_lines.py): one JSON object per record naming the process, the
conversation and the turn, with personal data masked unless switched off."""

import io
import json
import logging
from collections.abc import Callable

import pytest

from contracts.log_lines import LogOptions, log_handler
from contracts.turn_context import working_on


@pytest.fixture
def log_to() -> Callable[[LogOptions], tuple[logging.Logger, io.StringIO]]:
    """A logger of its own writing through Koliber's handler into a string."""
    loggers = []

    def make(options: LogOptions) -> tuple[logging.Logger, io.StringIO]:
        stream = io.StringIO()
        logger = logging.getLogger(f"koliber.test.{len(loggers)}")
        logger.propagate, logger.level = False, logging.INFO
        logger.addHandler(log_handler("gateway", options, stream))
        loggers.append(logger)
        return logger, stream
    yield make
    for logger in loggers:
        logger.handlers.clear()


def test_a_line_is_json_with_the_process_conversation_and_turn(log_to):
    logger, stream = log_to(LogOptions())
    with working_on("conversation-1", "turn-1"):
        logger.info("turn started: %s", "customer message")
    logger.warning("between turns")

    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["timestamp"].endswith("Z") and inside["level"] == "INFO" and inside["logger"] == logger.name
    assert inside["message"] == "turn started: customer message" and inside["service"] == "gateway"
    assert (inside["conversation_id"], inside["turn_id"]) == ("conversation-1", "turn-1")
    assert outside["level"] == "WARNING" and "turn_id" not in outside and "conversation_id" not in outside


def test_personal_data_is_masked_in_the_message_its_arguments_and_the_traceback(log_to):
    logger, stream = log_to(LogOptions())
    logger.info("customer said %r", "ala@example.com, +48 600 100 200, 00-950")
    try:
        raise ValueError("no contact for ala@example.com")
    except ValueError:
        logger.exception("lookup failed for %s", "600100200")

    text = stream.getvalue()
    for personal in ("ala@example.com", "600 100 200", "600100200", "00-950"):
        assert personal not in text
    said, failed = (json.loads(line) for line in text.splitlines())
    assert said["message"] == "customer said '[e-mail], [phone], [postcode]'"
    assert failed["message"] == "lookup failed for [phone]"
    assert "ValueError: no contact for [e-mail]" in failed["exception"]


def test_masking_off_and_text_lines_for_debugging(log_to):
    logger, stream = log_to(LogOptions(json_lines=False, mask_personal_data=False))
    with working_on("conversation-1", "turn-1"):
        logger.info("reply to %s", "ala@example.com")

    assert stream.getvalue().rstrip().endswith(f"INFO     {logger.name} [turn turn-1] - reply to ala@example.com")


def test_the_engine_and_the_action_server_read_the_options_from_the_environment():
    assert LogOptions.from_env({}) == LogOptions(json_lines=True, mask_personal_data=True)
    assert LogOptions.from_env({"KOLIBER_LOG_FORMAT": "text", "KOLIBER_LOG_MASK_PERSONAL_DATA": "false"}) \
        == LogOptions(json_lines=False, mask_personal_data=False)
    with pytest.raises(ValueError, match="KOLIBER_LOG_FORMAT"):
        LogOptions.from_env({"KOLIBER_LOG_FORMAT": "xml"})
