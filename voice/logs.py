"""Pipecat logs through loguru, straight to stderr and at DEBUG (a line per frame it speaks);
Koliber's processes log through the standard `logging` module. This hands Pipecat's records to
`logging` under the "pipecat" logger, at INFO and above."""

import logging

from loguru import logger

_routed = False


def _to_logging(message) -> None:
    record = message.record
    error = record["exception"]
    logging.getLogger(record["name"] or "pipecat").log(
        record["level"].no, record["message"], exc_info=(error.type, error.value, error.traceback) if error else None)


def pipecat_logs_to_logging() -> None:
    """Once per process; later calls do nothing."""
    global _routed
    if _routed:
        return
    _routed = True
    logger.remove()  # loguru's own stderr sink
    logger.add(_to_logging, level="INFO", format="{message}")
