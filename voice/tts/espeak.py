"""Text-to-speech with espeak-ng through pyttsx3, on the one thread that may touch the engine."""

import asyncio
import logging
import os
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from voice.tts.base import SpeechSynthesizer, SynthesisError, SynthesizerUnavailable

log = logging.getLogger(__name__)

ESPEAK_SAMPLE_RATE = 22050  # espeak-ng's own voices; pyttsx3 writes its WAV files at this rate
DEFAULT_VOICES = {"pl": "pl", "en": "gmw/en-us"}
STARTUP_TIMEOUT = 30.0  # seconds; loading the library and the voice list takes ~40 ms
INSTALL_HINT = "install espeak-ng (apt-get install -y espeak-ng) and pyttsx3 (pip install pyttsx3==2.99)"


class EspeakSynthesizer(SpeechSynthesizer):
    """espeak-ng voices for each language, at a fixed speaking rate.

    Construction starts the engine and checks the voices, so a missing library or voice fails at
    start-up with an error that says what to install, not on the first call.
    """

    sample_rate = ESPEAK_SAMPLE_RATE

    def __init__(
        self,
        rate_wpm: int = 165,
        voices: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.rate_wpm = rate_wpm
        self.timeout = timeout
        self._worker = _EngineThread.shared()
        installed = self._worker.call(self._worker.start).result(timeout=STARTUP_TIMEOUT)
        wanted = voices or DEFAULT_VOICES
        self.voices = {language: _find_voice(name, installed) for language, name in wanted.items()}

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.voices)

    def synthesize(self, text: str, language: str) -> bytes:
        future = self._submit(text, language)
        if future is None:
            return b""
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:
            future.cancel()
            raise self._timed_out(text) from None

    async def synthesize_async(self, text: str, language: str) -> bytes:
        future = self._submit(text, language)
        if future is None:
            return b""
        try:
            # Cancelling this await (barge-in, hang-up) also drops the job if it has not started yet.
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            raise self._timed_out(text) from None

    def _submit(self, text: str, language: str) -> Future | None:
        voice = self._voice(language)
        if not text.strip():
            return None
        return self._worker.call(self._worker.render, text, voice, self.rate_wpm)

    def _timed_out(self, text: str) -> TimeoutError:
        # The worker cannot be interrupted: if espeak-ng ever hangs, later calls queue behind it
        # and time out too, rather than hanging the call.
        return TimeoutError(f"espeak-ng took over {self.timeout} s for {text[:40]!r}")

    def _voice(self, language: str) -> str:
        code = language.replace("_", "-").split("-")[0].lower()
        try:
            return self.voices[code]
        except KeyError:
            raise ValueError(f"no espeak-ng voice configured for language {language!r}") from None


class _EngineThread:
    """The process's only pyttsx3 engine and the only thread that ever touches it.

    espeak-ng can be initialised once per process and pyttsx3 hands out one engine per driver and
    is not thread-safe, so every EspeakSynthesizer shares this worker; jobs run one at a time, in
    the order they were submitted. Nothing else in the process may call pyttsx3.init().
    """

    _shared: "_EngineThread | None" = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> "_EngineThread":
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        self._engine: Any = None
        self._espeak: Any = None
        self._installed: list[tuple[str, list[str]]] = []
        self._errors: list[BaseException] = []

    def call(self, function: Callable[..., Any], *args: Any) -> Future:
        return self._executor.submit(function, *args)

    # Everything below runs on the worker thread.

    def start(self) -> list[tuple[str, list[str]]]:
        """Creates the engine once; the installed voices as (id, languages)."""
        if self._engine is None:
            try:
                import pyttsx3
                import pyttsx3.drivers.espeak as espeak_driver  # loads libespeak-ng
                from pyttsx3.drivers import _espeak  # the ctypes binding, for espeak_IsPlaying

                engine = pyttsx3.init("espeak")
            except (ImportError, OSError, RuntimeError) as error:
                raise SynthesizerUnavailable(f"espeak-ng is not usable ({error}); {INSTALL_HINT}") from error
            # The driver prints "Audio saved to …" from espeak-ng's own callback thread, where a
            # redirect of sys.stdout made here would not apply (and, being process-wide, would hide
            # other threads' output); so that one module's print is silenced instead.
            espeak_driver.print = _discard
            self._espeak = _espeak
            engine.connect("error", self._on_error)
            # A new engine counts as busy until its first loop, and a runAndWait in that state
            # returns before espeak-ng has finished; one empty loop settles it so every later
            # runAndWait waits for its file.
            engine.runAndWait()
            self._installed = [(voice.id, list(voice.languages or [])) for voice in engine.getProperty("voices")]
            self._engine = engine
        return self._installed

    def render(self, text: str, voice: str, rate_wpm: int) -> bytes:
        engine = self._engine
        started = time.perf_counter()
        descriptor, path = tempfile.mkstemp(prefix="koliber-tts-", suffix=".wav")
        os.close(descriptor)
        try:
            self._errors.clear()
            # Set on every call: another synthesizer sharing the engine may have changed them.
            engine.setProperty("voice", voice)
            engine.setProperty("rate", rate_wpm)
            self._wait_until_idle()
            engine.save_to_file(text, path)
            engine.runAndWait()
            if self._errors:
                raise SynthesisError(f"espeak-ng failed on {text[:40]!r}: {self._errors[0]}") from self._errors[0]
            pcm = _read_pcm(path)
        finally:
            os.unlink(path)
        elapsed_ms = 1000 * (time.perf_counter() - started)
        log.debug("espeak-ng: %d chars, %d bytes of audio in %.1f ms", len(text), len(pcm), elapsed_ms)
        return pcm

    def _wait_until_idle(self) -> None:
        """Returns once espeak-ng has applied the voice and rate and finished the last text.

        espeak-ng applies settings on its own thread, and pyttsx3's runAndWait starts by cancelling
        whatever espeak-ng is still busy with: a setting still queued would be dropped (the rate of
        the previous call would stay) and the new text cancelled, giving an empty file.
        """
        deadline = time.monotonic() + 2.0
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                raise SynthesisError("espeak-ng stayed busy for 2 s")
            time.sleep(0.0005)

    def _on_error(self, exception: BaseException | None = None, **_: Any) -> None:
        # pyttsx3 swallows errors raised by queued commands (an unknown voice, say) and only
        # reports them through this callback.
        self._errors.append(exception or SynthesisError("unknown pyttsx3 error"))


def _read_pcm(path: str) -> bytes:
    try:
        with wave.open(path, "rb") as audio:
            layout = (audio.getnchannels(), audio.getsampwidth(), audio.getframerate())
            pcm = audio.readframes(audio.getnframes())
    except (EOFError, wave.Error) as error:
        raise SynthesisError(f"espeak-ng wrote no usable audio ({error})") from error
    if layout != (1, 2, ESPEAK_SAMPLE_RATE):
        raise SynthesisError(f"expected mono 16-bit {ESPEAK_SAMPLE_RATE} Hz audio, got {layout}")
    return pcm


def _find_voice(name: str, installed: list[tuple[str, list[str]]]) -> str:
    """The installed voice id for `name`: an id ("gmw/en-us"), its last part ("pl") or a language."""
    for matches in (
        lambda voice_id, _: voice_id == name,
        lambda voice_id, _: voice_id.rsplit("/", 1)[-1] == name,
        lambda _, languages: name in languages,
    ):
        for voice_id, languages in installed:
            if matches(voice_id, languages):
                return voice_id
    similar = sorted(voice_id for voice_id, _ in installed if name.split("-")[0] in voice_id)[:8]
    raise SynthesizerUnavailable(
        f"espeak-ng has no voice {name!r} (similar: {', '.join(similar) or 'none'}); "
        "install espeak-ng-data or pick an id from `espeak-ng --voices`"
    )


def _discard(*_: Any, **__: Any) -> None:
    pass
