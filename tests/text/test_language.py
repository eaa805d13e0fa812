"""Polish and English are told apart in short, diacritic-free, typo-ridden shop messages."""

import pytest

from bot.settings import PROJECT_ROOT
from text.language import LanguageDetector, detector_for


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return detector_for(PROJECT_ROOT / "nlu_data")


@pytest.mark.parametrize(
    "text",
    ["gdzie jest moja paczka", "gdzie moja paczka??", "chce zwrocic buty", "kiedy dostane zwrot pieniedzy",
     "Dzień dobry", "faktura", "anuluj zamowienie 48213", "siema, status ordera?", "ile kosztuje wysylka do niemiec"],
)
def test_polish_messages(detector, text):
    assert detector.detect(text) == "pl"


@pytest.mark.parametrize(
    "text",
    ["where is my parcel", "i want to return these shoes", "refund?", "hello", "cancel my order 48213",
     "how much is shipping to germany", "can i talk to a human", "invoice please"],
)
def test_english_messages(detector, text):
    assert detector.detect(text) == "en"


@pytest.mark.parametrize("text", ["48213", "anna.nowak@example.pl", "00-950", "ok", "no", "", "/affirm"])
def test_messages_without_language_keep_the_current_one(detector, text):
    assert detector.detect(text) is None
