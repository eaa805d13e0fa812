"""The one interface every text-to-speech provider implements."""

import asyncio
from abc import ABC, abstractmethod


class SynthesizerUnavailable(RuntimeError):
    """The engine, a voice or a library is missing; the message says how to install it."""


class SynthesisError(RuntimeError):
    """The engine was available but produced no usable audio for a text."""


class SpeechSynthesizer(ABC):
    """Turns one piece of text into signed 16-bit little-endian mono PCM at `sample_rate`.

    Providers implement `synthesize`, which may block; async callers use `synthesize_async`,
    which keeps the event loop free (by default in a thread of the loop's executor; a provider
    with its own worker thread overrides it to submit there directly).
    """

    sample_rate: int

    @abstractmethod
    def synthesize(self, text: str, language: str) -> bytes:
        """PCM for `text` spoken in `language` ("pl", "en"); b"" for empty text. Blocks."""

    async def synthesize_async(self, text: str, language: str) -> bytes:
        return await asyncio.to_thread(self.synthesize, text, language)
