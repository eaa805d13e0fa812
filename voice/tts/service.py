"""A Pipecat text-to-speech service on a SpeechSynthesizer (espeak-ng through pyttsx3).

The call pushes one `SpeakSentence` per sentence, so the first sentence plays while the next is
synthesised. Each carries the name of the Twilio mark that follows its audio: the mark goes out
right behind the sentence's last audio frame, and Twilio echoes it once the caller has heard it.
"""

from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    OutputTransportMessageFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService

from voice.tts.base import SpeechSynthesizer


@dataclass
class SpeakSentence(TTSSpeakFrame):
    """One sentence to say; `mark` is the Media Streams mark message that follows its audio."""

    mark: dict | None = None


class SynthesizerTTSService(TTSService):
    def __init__(self, synthesizer: SpeechSynthesizer, language: str, **kwargs) -> None:
        super().__init__(push_start_frame=True, push_stop_frames=True, push_text_frames=False,
                         sample_rate=synthesizer.sample_rate,
                         settings=TTSSettings(model=None, voice=None, language=None), **kwargs)
        self._synthesizer = synthesizer
        self.language = language  # the call switches it
        self._marks: deque[dict | None] = deque()  # one per sentence still to synthesise, in order

    def can_generate_metrics(self) -> bool:
        return True

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, SpeakSentence):
            self._marks.append(frame.mark)
        elif isinstance(frame, InterruptionFrame):
            self._marks.clear()  # the sentences queued behind it are dropped with it
        await super().process_frame(frame, direction)

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        mark = self._marks.popleft() if self._marks else None
        await self.start_tts_usage_metrics(text)
        pcm = await self._synthesizer.synthesize_async(text, self.language)
        await self.stop_ttfb_metrics()
        if pcm:
            yield TTSAudioRawFrame(pcm, self._synthesizer.sample_rate, 1, context_id=context_id)
        if mark is not None:
            yield OutputTransportMessageFrame(message=mark)
