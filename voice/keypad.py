"""Collects keypad (DTMF) digits into one entry, so a caller can type an order number instead of saying it."""

from collections.abc import AsyncIterator

from voice.frames.base import Frame
from voice.frames.control import CallEnded, CallStarted, KeypadDigit
from voice.frames.text import Transcript
from voice.stage import Stage

SUBMIT = "#"
CLEAR = "*"
# Longer than any order number, postcode or phone number: keys beyond it are dropped.
MAX_DIGITS = 32


class KeypadCollector(Stage):
    """Keys typed up to `#` become one final transcript (e.g. "48213"); `*` starts the entry again.

    Every keypad frame is consumed here, so later stages see a typed entry exactly like a spoken
    one, with full confidence; a `#` with nothing typed says nothing.
    """

    def __init__(self) -> None:
        self._typed: list[str] = []
        # While the bot offers numbered choices, one key is a whole answer (no `#` needed).
        self.single_key = False

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if isinstance(frame, (CallStarted, CallEnded)):
            self._typed.clear()  # half-typed keys never leak into another call
            yield frame
        elif not isinstance(frame, KeypadDigit):
            yield frame
        elif frame.digit == CLEAR:
            self._typed.clear()
        elif frame.digit == SUBMIT:
            if self._typed:
                yield Transcript(text="".join(self._typed), final=True, confidence=1.0)
                self._typed.clear()
        elif self.single_key and not self._typed:
            yield Transcript(text=frame.digit, final=True, confidence=1.0)
        elif len(self._typed) < MAX_DIGITS:
            self._typed.append(frame.digit)
