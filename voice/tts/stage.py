"""The stage that turns the bot's text into audio, one sentence at a time, each followed by a mark."""

from collections import OrderedDict
from collections.abc import AsyncIterator

from voice.audio.resample import resample_pcm16
from voice.frames.audio import OutputAudio
from voice.frames.base import Frame
from voice.frames.control import Mark
from voice.frames.text import BotSpeech
from voice.stage import Stage
from voice.tts.base import SpeechSynthesizer
from voice.tts.sentences import speakable, split_sentences

_REMEMBERED_CANCELS = 256  # cancels for utterances not (yet) being spoken are kept this long


class SynthesisStage(Stage):
    """Says each BotSpeech sentence by sentence: the sentence's audio, then Mark("<utterance>:<n>").

    A long answer starts playing once its first sentence is synthesised, and the marks the carrier
    echoes back tell the call which sentences the caller actually heard. Audio comes out at
    `output_rate` (the synthesizer's own rate by default). Other frames pass unchanged.
    """

    def __init__(self, synthesizer: SpeechSynthesizer, output_rate: int | None = None) -> None:
        self.synthesizer = synthesizer
        self.output_rate = output_rate or synthesizer.sample_rate
        self._cancelled: OrderedDict[str, None] = OrderedDict()

    def cancel(self, utterance_id: str) -> None:
        """Barge-in: no further sentence of this utterance is produced (what is out stays out).

        It may come before the utterance's BotSpeech does; the cancel then applies when it arrives.
        """
        self._cancelled[utterance_id] = None
        self._cancelled.move_to_end(utterance_id)
        while len(self._cancelled) > _REMEMBERED_CANCELS:
            self._cancelled.popitem(last=False)

    def is_cancelled(self, utterance_id: str) -> bool:
        return utterance_id in self._cancelled

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if not isinstance(frame, BotSpeech):
            yield frame
            return
        utterance = frame.utterance_id
        try:
            sentences = split_sentences(speakable(frame.text, frame.language))
            for index, sentence in enumerate(sentences):
                if self.is_cancelled(utterance):
                    return
                pcm = await self.synthesizer.synthesize_async(sentence, frame.language)
                if self.is_cancelled(utterance):
                    return  # cancelled while this sentence was being synthesised
                if self.output_rate != self.synthesizer.sample_rate:
                    pcm = resample_pcm16(pcm, self.synthesizer.sample_rate, self.output_rate)
                yield OutputAudio(pcm=pcm, sample_rate=self.output_rate, num_channels=1, utterance_id=utterance)
                yield Mark(name=f"{utterance}:{index}")
        finally:
            self._cancelled.pop(utterance, None)
