"""What a speech recogniser is: a provider says what it can do and opens one stream per call."""

from abc import ABC, abstractmethod
from typing import ClassVar

from voice.frames.text import Transcript


class UnsupportedLanguage(LookupError):
    """The recogniser has no model for this language."""


class RecognitionStream(ABC):
    """One call's recognition state. Blocking and thread-confined: feed it from one worker thread
    at a time (the recognition stage keeps one thread per call), never from the event loop."""

    @abstractmethod
    def accept(self, pcm: bytes) -> list[Transcript]:
        """Feed mono 16-bit PCM at the recogniser's sample rate; partials and/or a final when an
        utterance ends."""

    @abstractmethod
    def finish(self) -> list[Transcript]:
        """Flush the pending utterance as a final (nothing if none is pending). The stream stays
        usable: audio accepted afterwards starts a new utterance."""


class SpeechRecognizer(ABC):
    """A speech-to-text provider. It is shared by every call and must be thread-safe; the state of
    one call lives in the stream it opens. Providers implement `open_stream`."""

    # Whether transcripts arrive while the caller is still speaking (True) or only once an
    # utterance has ended (False).
    streaming: ClassVar[bool]
    partial_results: ClassVar[bool]
    # The rate the recogniser wants; a resampling stage before it converts the caller's audio.
    sample_rate: int = 16000

    @abstractmethod
    def open_stream(self, language: str, hint: str | None = None) -> RecognitionStream:
        """A fresh stream for one call in one language (ISO 639-1, "pl", "en");
        raises UnsupportedLanguage when there is no model for it. `hint`: text like what the
        caller is about to say (a survey's question and typical answers), for recognisers that
        can be primed with it; others ignore it."""

    def warm_up(self) -> None:
        """Load the models now rather than on the first call (slow: run it in a worker thread at
        start-up). The default does nothing."""
