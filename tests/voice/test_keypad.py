"""Keypad digits collected into one typed entry."""

from tests.voice.helpers import frames_out
from voice.frames.audio import InputAudio
from voice.frames.control import CallEnded, CallStarted, KeypadDigit, Mark
from voice.frames.text import Transcript
from voice.keypad import MAX_DIGITS, KeypadCollector


def keys(typed: str) -> list[KeypadDigit]:
    return [KeypadDigit(key) for key in typed]


def test_digits_up_to_hash_become_one_final_transcript():
    out = frames_out(KeypadCollector(), keys("48213#"))
    assert [type(frame) for frame in out] == [Transcript]
    assert out == [Transcript(text="48213", final=True, confidence=1.0)]


def test_digits_are_swallowed_until_hash():
    assert frames_out(KeypadCollector(), keys("4821")) == []


def test_star_clears_what_was_typed():
    assert frames_out(KeypadCollector(), keys("99*123#")) == [Transcript("123", final=True, confidence=1.0)]


def test_a_lone_hash_says_nothing():
    assert frames_out(KeypadCollector(), keys("#")) == []
    assert frames_out(KeypadCollector(), keys("12*#")) == []


def test_each_entry_starts_afresh():
    out = frames_out(KeypadCollector(), keys("12#34#"))
    assert [frame.text for frame in out] == ["12", "34"]


def test_other_frames_pass_unchanged_between_keys():
    audio = InputAudio(pcm=b"\x00\x00" * 160, sample_rate=8000)
    spoken = Transcript("zamówienie", final=True)
    frames = [KeypadDigit("4"), audio, spoken, KeypadDigit("2"), Mark("m"), KeypadDigit("#")]
    out = frames_out(KeypadCollector(), frames)
    assert [type(frame) for frame in out] == [InputAudio, Transcript, Mark, Transcript]
    assert out[:3] == [audio, spoken, Mark("m")]
    assert out[3] == Transcript("42", final=True, confidence=1.0)


def test_a_new_call_forgets_half_typed_keys():
    out = frames_out(KeypadCollector(), [*keys("77"), CallEnded("stop"), CallStarted("CA2", "MZ2"), *keys("5#")])
    assert [type(frame) for frame in out] == [CallEnded, CallStarted, Transcript]
    assert out[2].text == "5"


def test_keys_beyond_the_longest_entry_are_dropped():
    """Finding 8: a caller holding a key down cannot grow one entry without bound."""
    [entry] = frames_out(KeypadCollector(), keys("1" * 10_000 + "#"))
    assert entry.text == "1" * MAX_DIGITS
