"""Real espeak-ng synthesis through pyttsx3: audible Polish and English, one shared engine thread."""

import asyncio
import shutil
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.voice.helpers import samples
from text import formatting as fmt
from voice.tts.base import SynthesizerUnavailable
from voice.tts.espeak import DEFAULT_VOICES, EspeakSynthesizer
from voice.tts.sentences import speakable, split_sentences

DOMAIN_FILE = Path(__file__).parents[3] / "domain.yml"

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


# --- what espeak-ng says for a delivery date ------------------------------------------------------

def phonemes(text: str, language: str) -> str:
    """espeak-ng's own phonemes for `text` in the synthesizer's voice for `language`, words spaced,
    without its pause marks ("_") and a trailing "#", which depend on what comes next."""
    if not shutil.which("espeak-ng"):
        pytest.skip("needs the espeak-ng command")
    result = subprocess.run(["espeak-ng", "-v", DEFAULT_VOICES[language], "-q", "-x", text],
                            capture_output=True, text=True, timeout=10, check=True)
    return " ".join(result.stdout.replace("_", " ").split()).rstrip("#")


def status_answer(language: str, delivery: date) -> str:
    """The order-status answer for a paid order, filled in as the action fills it."""
    variants = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]["utter_order_status_paid"]
    template = next(variant["text"] for variant in variants
                    if any(condition.get("value") == language for condition in variant.get("condition", [])))
    values = {"order_id": "48213", "method": "Kurier DPD", "delivery_date": fmt.day(delivery, language)}
    return template.format_map(defaultdict(str, values))


@pytest.mark.parametrize(
    ("language", "written", "said", "not_said"),
    [
        ("pl", "wtorek, 8 grudnia", "ósmego grudnia", "osiem grudnia"),
        ("en", "Tuesday 8 December", "eighth of December", "eight December"),
    ],
)
def test_the_synthesised_delivery_date_is_an_ordinal(language, written, said, not_said):
    answer = status_answer(language, date(2026, 12, 8))
    assert written in answer
    # What the call hands the synthesizer (voice/call.py): the speakable answer, sentence by sentence.
    sentence = next(s for s in split_sentences(speakable(answer, language)) if said in s)
    spoken = phonemes(sentence, language)
    assert phonemes(said, language) in spoken
    assert phonemes(not_said, language) not in spoken
    # ...whereas the written answer read as it stands is the cardinal the issue complains about
    assert phonemes(not_said, language) in phonemes(answer, language)
