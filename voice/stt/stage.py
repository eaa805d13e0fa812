"""The recognition stage: a call's audio in, transcripts out, with the recogniser's blocking work
on one worker thread per call so the event loop and other calls never wait for it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from voice.frames.audio import InputAudio
from voice.frames.base import Frame
from voice.frames.control import CallEnded
from voice.frames.text import Transcript
from voice.stage import Stage
from voice.stt.base import RecognitionStream, SpeechRecognizer

T = TypeVar("T")


class RecognitionStage(Stage):
    """Consumes InputAudio (already at the recogniser's rate: a resampling stage comes first) and
    emits Transcript frames; every other frame passes on. On CallEnded the pending utterance is
    flushed as a final before the CallEnded goes on. One stage per call."""

    def __init__(self, recognizer: SpeechRecognizer, language: str) -> None:
        self.recognizer = recognizer
        self.language = language
        self.hint: str | None = None
        # Touched only on the worker thread: streams are thread-confined.
        self._stream: RecognitionStream | None = None
        self._stream_language: str | None = None
        self._stream_hint: str | None = None
        # A single worker keeps this call's audio in order and its stream on one thread.
        self._worker: ThreadPoolExecutor | None = None

    def set_language(self, language: str) -> None:
        """Recognise in another language from the next audio frame on; the utterance pending in
        the old language is first flushed as a final in that language."""
        self.language = language

    def set_hint(self, hint: str | None) -> None:
        """Prime the recogniser with `hint` from the next audio frame on (None: no hint)."""
        self.hint = hint

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if isinstance(frame, InputAudio):
            self._check_format(frame)
            for transcript in await self._on_worker(self._accept, frame.pcm, self.language, self.hint):
                yield transcript
        elif isinstance(frame, CallEnded):
            if self._worker is not None:
                for transcript in await self._on_worker(self._finish):
                    yield transcript
            self.close()
            yield frame
        else:
            yield frame

    def close(self) -> None:
        """Release the worker thread (CallEnded does this; call it if the call is torn down
        without one)."""
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None

    def _check_format(self, frame: InputAudio) -> None:
        if frame.sample_rate != self.recognizer.sample_rate or frame.num_channels != 1:
            raise ValueError(
                f"{type(self.recognizer).__name__} takes mono audio at {self.recognizer.sample_rate} Hz, "
                f"got {frame.num_channels} channel(s) at {frame.sample_rate} Hz: resample before this stage"
            )

    async def _on_worker(self, work: Callable[..., T], *args) -> T:
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt-call")
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    # The methods below run on the worker thread.

    def _accept(self, pcm: bytes, language: str, hint: str | None) -> list[Transcript]:
        flushed: list[Transcript] = []
        if self._stream is None or (self._stream_language, self._stream_hint) != (language, hint):
            if self._stream is not None:
                flushed = self._stream.finish()
            self._stream = self.recognizer.open_stream(language, hint)
            self._stream_language, self._stream_hint = language, hint
        return flushed + self._stream.accept(pcm)

    def _finish(self) -> list[Transcript]:
        if self._stream is None:
            return []
        transcripts = self._stream.finish()
        self._stream = None
        return transcripts
