"""Packetizing the bot's mu-law into 20 ms frames, and chunking PCM for the simulator."""

import pytest

from tests.voice.helpers import frames_out
from voice.audio.framing import Packetizer, chunk_pcm
from voice.frames.audio import OutputAudio, OutputMulaw
from voice.frames.control import ClearAudio, Mark


def test_packetizer_splits_into_160_byte_frames_with_a_shorter_last_one():
    payload = bytes(range(256)) * 2  # 512 bytes = 64 ms at 8 kHz
    out = frames_out(Packetizer(), [OutputMulaw(payload=payload, utterance_id="utt-1")])
    assert [type(frame) for frame in out] == [OutputMulaw] * 4
    assert [len(frame.payload) for frame in out] == [160, 160, 160, 32]
    assert b"".join(frame.payload for frame in out) == payload
    assert {frame.utterance_id for frame in out} == {"utt-1"}
    assert {frame.sample_rate for frame in out} == {8000}


def test_packetizer_honours_frame_ms():
    out = frames_out(Packetizer(frame_ms=40), [OutputMulaw(payload=b"\xff" * 800)])
    assert [len(frame.payload) for frame in out] == [320, 320, 160]


def test_exact_multiple_gives_no_short_frame_and_empty_gives_none():
    assert [len(f.payload) for f in frames_out(Packetizer(), [OutputMulaw(payload=b"\xff" * 320)])] == [160, 160]
    assert frames_out(Packetizer(), [OutputMulaw(payload=b"")]) == []


def test_packetizer_passes_other_frames_unchanged_in_order():
    bot_pcm = OutputAudio(pcm=b"\x00" * 4000, sample_rate=8000)
    frames = [Mark("a"), OutputMulaw(payload=b"\xff" * 200), ClearAudio(), bot_pcm]
    out = frames_out(Packetizer(), frames)
    assert [type(frame) for frame in out] == [Mark, OutputMulaw, OutputMulaw, ClearAudio, OutputAudio]
    assert out[0] == frames[0] and out[3:] == frames[2:]


def test_chunk_pcm_gives_20_ms_slices_of_16_bit_audio():
    pcm = b"\x01\x00" * 16000  # one second at 16 kHz
    chunks = list(chunk_pcm(pcm, 16000, 20))
    assert len(chunks) == 50
    assert {len(chunk) for chunk in chunks} == {640}
    assert b"".join(chunks) == pcm


def test_chunk_pcm_last_slice_may_be_shorter_and_mulaw_is_one_byte_a_sample():
    assert [len(c) for c in chunk_pcm(b"\x00" * 400, 8000, 20)] == [320, 80]
    assert [len(c) for c in chunk_pcm(b"\xff" * 400, 8000, 20, sample_width=1)] == [160, 160, 80]
    assert list(chunk_pcm(b"", 8000, 20)) == []


def test_chunk_pcm_refuses_frames_that_are_not_whole_samples():
    with pytest.raises(ValueError, match="whole"):
        list(chunk_pcm(b"\x00" * 100, 22050, 10))
