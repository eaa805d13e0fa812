"""Which conversation and which customer turn the running code works for, in every process.

The gateway gives each customer message a turn id and sends it, with the W3C `traceparent` of its
trace, in the message's metadata; the engine reads them from the message, the action server from
the tracker's latest message. Each process keeps them in context variables while it works on the
turn, so every log line it writes then names the turn (contracts/log_lines.py).

Standard library only: the engine's environment (Python 3.10) imports it too.
"""

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# The keys in a message's metadata.
TURN_ID = "turn_id"
TRACEPARENT = "traceparent"

conversation_id_var: ContextVar[str | None] = ContextVar("koliber_conversation_id", default=None)
turn_id_var: ContextVar[str | None] = ContextVar("koliber_turn_id", default=None)


def new_turn_id() -> str:
    return uuid.uuid4().hex


def turn_id_in(metadata: Any) -> str | None:
    """The turn id a message's metadata carries, if it is a plausible one."""
    value = metadata.get(TURN_ID) if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def begin_work_on(conversation_id: str | None, turn_id: str | None) -> Callable[[], None]:
    """Names the conversation and turn for everything this task (and the threads it starts) does
    from now on; returns what ends it (for work that starts and ends in different callbacks)."""
    conversation_token = conversation_id_var.set(conversation_id)
    turn_token = turn_id_var.set(turn_id)

    def end() -> None:
        turn_id_var.reset(turn_token)
        conversation_id_var.reset(conversation_token)
    return end


@contextmanager
def working_on(conversation_id: str | None, turn_id: str | None) -> Iterator[None]:
    end = begin_work_on(conversation_id, turn_id)
    try:
        yield
    finally:
        end()
