"""The windowed-sinc resampler: rates, frequencies kept and removed, seamless streaming, and the stage."""

import numpy as np
import pytest

from tests.voice.helpers import frames_out, samples, sine_pcm
from voice.audio.resample import Resampler, resample_pcm16
from voice.frames.audio import InputAudio, InputMulaw, OutputAudio
from voice.frames.control import CallEnded, Mark


def dominant_frequency(pcm: bytes, sample_rate: int) -> float:
    x = samples(pcm)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sample_rate)[spectrum.argmax()])


def rms(pcm: bytes, edge: int = 200) -> float:
    """Loudness away from the edges, where the filter meets the silence around the signal."""
    return float(np.sqrt(np.mean(samples(pcm)[edge:-edge] ** 2)))


@pytest.mark.parametrize(("source", "target"), [(8000, 16000), (16000, 8000), (22050, 8000), (8000, 22050)])
def test_a_1_khz_sine_keeps_its_frequency_level_and_duration(source, target):
    out = resample_pcm16(sine_pcm(1000, source), source, target)
    assert len(out) // 2 == target  # one second in, one second out
    assert dominant_frequency(out, target) == pytest.approx(1000, abs=2)
    assert rms(out) == pytest.approx(rms(sine_pcm(1000, source)), rel=0.01)


def test_upsampled_sine_matches_the_ideal_sine():
    out = samples(resample_pcm16(sine_pcm(1000, 8000), 8000, 16000))
    ideal = samples(sine_pcm(1000, 16000))
    error = out[100:-100] - ideal[100:-100]
    assert np.sum(error**2) < 1e-4 * np.sum(ideal[100:-100] ** 2)  # SNR above 40 dB


@pytest.mark.parametrize("source", [16000, 22050])
def test_a_5_khz_tone_is_strongly_attenuated_going_to_8_khz(source):
    tone = sine_pcm(5000, source)
    out = resample_pcm16(tone, source, 8000)
    assert rms(out) < 1e-3 * rms(tone)  # below -60 dB; otherwise it would alias to an audible 3 kHz


def test_telephone_speech_band_passes_almost_untouched():
    tone = sine_pcm(3000, 16000)
    assert 20 * np.log10(rms(resample_pcm16(tone, 16000, 8000)) / rms(tone)) > -0.5


def test_same_rate_returns_the_input():
    pcm = sine_pcm(1000, 8000, seconds=0.1)
    assert resample_pcm16(pcm, 8000, 8000) is pcm


def test_empty_input_gives_empty_output():
    assert resample_pcm16(b"", 8000, 16000) == b""


def test_partial_samples_are_refused():
    with pytest.raises(ValueError, match="whole number"):
        resample_pcm16(b"\x00\x00\x00", 8000, 16000)


def test_stereo_channels_are_resampled_independently():
    left, right = samples(sine_pcm(500, 8000)), samples(sine_pcm(1500, 8000))
    stereo = np.stack([left, right], axis=1).astype("<i2").tobytes()
    out = samples(resample_pcm16(stereo, 8000, 16000, num_channels=2)).reshape(-1, 2)
    assert dominant_frequency(out[:, 0].astype("<i2").tobytes(), 16000) == pytest.approx(500, abs=2)
    assert dominant_frequency(out[:, 1].astype("<i2").tobytes(), 16000) == pytest.approx(1500, abs=2)


@pytest.mark.parametrize(("source", "target"), [(8000, 16000), (16000, 8000), (22050, 8000)])
def test_streaming_50_chunks_of_20_ms_equals_resampling_the_whole_signal(source, target):
    whole_signal = sine_pcm(1000, source) + sine_pcm(440, source)[: source * 2 // 10 * 2]
    chunk_bytes = source * 20 // 1000 * 2
    chunks = [whole_signal[i * chunk_bytes : (i + 1) * chunk_bytes] for i in range(50)]
    stage = Resampler(target, direction="input")

    out = frames_out(stage, [InputAudio(pcm=chunk, sample_rate=source) for chunk in chunks])

    assert {type(frame) for frame in out} == {InputAudio}
    assert {frame.sample_rate for frame in out} == {target}
    streamed = b"".join(frame.pcm for frame in out)
    whole = resample_pcm16(b"".join(chunks), source, target)
    # Streaming holds back only the last few milliseconds, waiting for the input after them.
    assert len(whole) - len(streamed) < 2 * target * 5 // 1000
    assert np.max(np.abs(samples(streamed) - samples(whole)[: len(streamed) // 2])) <= 1


def test_streaming_has_no_clicks_at_frame_borders():
    chunk_bytes = 160 * 2
    tone = sine_pcm(1000, 8000)
    frames = [InputAudio(pcm=tone[i : i + chunk_bytes], sample_rate=8000) for i in range(0, len(tone), chunk_bytes)]
    out = samples(b"".join(frame.pcm for frame in frames_out(Resampler(16000), frames)))
    # A 1 kHz sine at 16 kHz moves at most 2*pi*1000/16000*amplitude between samples.
    assert np.max(np.abs(np.diff(out))) < 10000 * 2 * np.pi * 1000 / 16000 * 1.05


def test_output_direction_resamples_each_frame_whole_and_keeps_the_utterance():
    tts = OutputAudio(pcm=sine_pcm(1000, 22050, seconds=0.5), sample_rate=22050, utterance_id="utt-7")
    out = frames_out(Resampler(8000, direction="output"), [tts])
    assert [type(frame) for frame in out] == [OutputAudio]
    assert out[0].utterance_id == "utt-7"
    assert out[0].sample_rate == 8000
    assert out[0].pcm == resample_pcm16(tts.pcm, 22050, 8000)


def test_each_direction_leaves_the_other_directions_audio_alone():
    caller = InputAudio(pcm=sine_pcm(1000, 16000, seconds=0.02), sample_rate=16000)
    bot = OutputAudio(pcm=sine_pcm(1000, 22050, seconds=0.02), sample_rate=22050, utterance_id="u")
    assert frames_out(Resampler(8000, direction="output"), [caller]) == [caller]
    assert frames_out(Resampler(8000, direction="input"), [bot]) == [bot]


def test_audio_already_at_the_target_rate_and_other_frames_pass_unchanged():
    frames = [
        InputAudio(pcm=sine_pcm(1000, 16000, seconds=0.02), sample_rate=16000),
        InputMulaw(payload=b"\xff" * 160),
        Mark("m"),
        CallEnded("stop"),
    ]
    assert frames_out(Resampler(16000), frames) == frames


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        Resampler(8000, direction="sideways")
