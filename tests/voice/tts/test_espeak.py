"""Real espeak-ng synthesis through pyttsx3: audible Polish and English, one shared engine thread."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.voice.helpers import samples
from voice.tts.base import SynthesizerUnavailable
from voice.tts.espeak import EspeakSynthesizer

SENTENCES = {
    "pl": "Paczka dotrze do ciebie jutro rano.",
    "en": "Your order was shipped last night.",
}


@pytest.fixture(scope="module")
def espeak() -> EspeakSynthesizer:
    try:
        return EspeakSynthesizer()
    except SynthesizerUnavailable as error:
        pytest.skip(f"needs espeak-ng: {error}")


def seconds(pcm: bytes, sample_rate: int) -> float:
    return len(pcm) / (2 * sample_rate)


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_six_word_sentence_is_audible_speech_of_plausible_length(espeak, language):
    pcm = espeak.synthesize(SENTENCES[language], language)
    assert espeak.sample_rate == 22050
    assert len(pcm) % 2 == 0
    assert 1.0 <= seconds(pcm, espeak.sample_rate) <= 4.0
    x = samples(pcm)
    assert np.abs(x).max() > 3000  # speech, not silence or a click
    assert np.sqrt(np.mean(x**2)) > 300


def test_the_configured_voices_resolve_to_installed_ids(espeak):
    assert espeak.voices["pl"].endswith("pl")
    assert "en" in espeak.voices["en"]
    assert espeak.languages == {"pl", "en"}


def test_polish_and_english_get_different_voices(espeak):
    assert espeak.synthesize("Dzień dobry", "pl") != espeak.synthesize("Dzień dobry", "en")


def test_empty_text_is_silence_and_unknown_languages_are_refused(espeak):
    assert espeak.synthesize("", "pl") == b""
    assert espeak.synthesize("  \n", "en-US") == b""
    with pytest.raises(ValueError, match="de"):
        espeak.synthesize("Guten Tag", "de")


def test_pyttsx3_prints_nothing_on_stdout(espeak, capfd):
    espeak.synthesize("Sprawdzam status zamówienia.", "pl")
    assert "Audio saved" not in capfd.readouterr().out


def test_rate_is_set_per_call_on_the_shared_engine(espeak):
    slow, fast = EspeakSynthesizer(rate_wpm=110), EspeakSynthesizer(rate_wpm=260)
    text = SENTENCES["en"]
    slow_first = seconds(slow.synthesize(text, "en"), 22050)
    fast_then = seconds(fast.synthesize(text, "en"), 22050)
    slow_again = seconds(slow.synthesize(text, "en"), 22050)
    assert fast_then < 0.7 * slow_first
    assert slow_again == pytest.approx(slow_first, rel=0.1)


def test_calls_from_many_threads_are_serialised_onto_the_engine(espeak):
    texts = [SENTENCES["pl"], SENTENCES["en"]] * 3
    languages = ["pl", "en"] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(espeak.synthesize, texts, languages))
    alone = {language: seconds(espeak.synthesize(SENTENCES[language], language), 22050) for language in SENTENCES}
    for pcm, language in zip(results, languages):
        assert seconds(pcm, 22050) == pytest.approx(alone[language], rel=0.1)


def test_async_synthesis(espeak):
    pcm = asyncio.run(espeak.synthesize_async(SENTENCES["pl"], "pl"))
    assert 1.0 <= seconds(pcm, 22050) <= 4.0


def test_a_missing_voice_fails_at_start_up_with_a_hint(espeak):
    with pytest.raises(SynthesizerUnavailable, match="no voice 'xx-nowhere'"):
        EspeakSynthesizer(voices={"pl": "pl", "xx": "xx-nowhere"})
