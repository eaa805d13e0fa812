"""G.711 mu-law tables, round-trip quality, and the decoder and encoder stages."""

import numpy as np
import pytest

from tests.voice.helpers import frames_out, samples, sine_pcm
from voice.audio.mulaw import MulawDecoder, MulawEncoder, mulaw_to_pcm16, pcm16_to_mulaw
from voice.frames.audio import InputAudio, InputMulaw, OutputAudio, OutputMulaw
from voice.frames.control import CallStarted, Mark


def pcm(*values: int) -> bytes:
    return np.array(values, dtype="<i2").tobytes()


@pytest.mark.parametrize(
    ("code", "value"),
    [(0xFF, 0), (0x7F, 0), (0x80, 32124), (0x00, -32124), (0xFE, 8), (0x7E, -8), (0xEF, 132), (0x8F, 16764)],
)
def test_decode_table_known_values(code, value):
    assert samples(mulaw_to_pcm16(bytes([code])))[0] == value


@pytest.mark.parametrize(
    ("value", "code"),
    [(0, 0xFF), (-1, 0x7F), (32767, 0x80), (-32768, 0x00), (32124, 0x80), (-32124, 0x00), (8, 0xFE), (132, 0xEF)],
)
def test_encode_known_values(value, code):
    assert pcm16_to_mulaw(pcm(value)) == bytes([code])


def test_every_code_survives_decode_then_encode_except_negative_zero():
    codes = bytes(range(256))
    again = pcm16_to_mulaw(mulaw_to_pcm16(codes))
    assert [(a, b) for a, b in zip(codes, again) if a != b] == [(0x7F, 0xFF)]  # -0 and +0 are both 0


def test_decoded_values_are_monotonic_in_each_half():
    positive = samples(mulaw_to_pcm16(bytes(range(0x80, 0x100))))
    assert np.all(np.diff(positive) < 0)  # 0x80 is the loudest, 0xFF silence


def test_round_trip_of_a_sine_has_snr_above_30_db():
    original = samples(sine_pcm(440, 8000, amplitude=16000))
    decoded = samples(mulaw_to_pcm16(pcm16_to_mulaw(sine_pcm(440, 8000, amplitude=16000))))
    snr = 10 * np.log10(np.sum(original**2) / np.sum((original - decoded) ** 2))
    assert snr > 30


def test_quiet_sine_keeps_its_quality_too():
    original = samples(sine_pcm(440, 8000, amplitude=500))
    decoded = samples(mulaw_to_pcm16(pcm16_to_mulaw(sine_pcm(440, 8000, amplitude=500))))
    assert 10 * np.log10(np.sum(original**2) / np.sum((original - decoded) ** 2)) > 30


def test_odd_pcm_length_is_refused():
    with pytest.raises(ValueError, match="even"):
        pcm16_to_mulaw(b"\x00\x00\x00")


def test_decoder_turns_input_mulaw_into_input_audio_at_the_same_rate():
    out = frames_out(MulawDecoder(), [InputMulaw(payload=b"\xff\x80\x00", sample_rate=8000)])
    assert [type(frame) for frame in out] == [InputAudio]
    assert out[0] == InputAudio(pcm=pcm(0, 32124, -32124), sample_rate=8000, num_channels=1)


def test_decoder_passes_other_frames_unchanged():
    frames = [CallStarted("CA1", "MZ1"), OutputMulaw(payload=b"\xff"), Mark("m")]
    assert frames_out(MulawDecoder(), frames) == frames


def test_encoder_turns_output_audio_into_output_mulaw_keeping_the_utterance():
    out = frames_out(MulawEncoder(), [OutputAudio(pcm=pcm(0, 32767, -32768), sample_rate=8000, utterance_id="u1")])
    assert [type(frame) for frame in out] == [OutputMulaw]
    assert out[0] == OutputMulaw(payload=b"\xff\x80\x00", sample_rate=8000, num_channels=1, utterance_id="u1")


def test_encoder_passes_other_frames_unchanged():
    frames = [InputAudio(pcm=pcm(1), sample_rate=16000), Mark("m")]
    assert frames_out(MulawEncoder(), frames) == frames


@pytest.mark.parametrize(("rate", "channels"), [(16000, 1), (22050, 1), (8000, 2)])
def test_encoder_refuses_audio_that_is_not_8_khz_mono(rate, channels):
    with pytest.raises(ValueError, match="Resampler"):
        frames_out(MulawEncoder(), [OutputAudio(pcm=pcm(0, 0), sample_rate=rate, num_channels=channels)])
