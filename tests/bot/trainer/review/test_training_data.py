"""Where a labelled example goes in nlu_data/<language>/, and what is refused."""

import shutil

import pytest

from bot.settings import PROJECT_ROOT
from bot.trainer.review.training_data import ExampleConflict, add_example, example_key, target_file


@pytest.fixture
def nlu_dir(tmp_path):
    shutil.copytree(PROJECT_ROOT / "nlu_data", tmp_path / "nlu_data")
    return tmp_path / "nlu_data"


def test_the_example_goes_to_the_file_holding_the_intent_in_that_language(nlu_dir):
    placed = add_example(nlu_dir, "pl", "order_status", "kiedy wreszcie będzie moja przesyłka [10001](order_id)")
    assert placed.added and placed.path == nlu_dir / "pl" / "orders.yml"
    assert placed.path.read_text(encoding="utf-8").splitlines()[placed.line - 1] == \
        "    - kiedy wreszcie będzie moja przesyłka [10001](order_id)"
    assert "przesyłka [10001]" not in (PROJECT_ROOT / "nlu_data" / "pl" / "orders.yml").read_text(encoding="utf-8")


def test_an_existing_example_is_not_added_twice(nlu_dir):
    before = (nlu_dir / "pl" / "orders.yml").read_bytes()
    placed = add_example(nlu_dir, "pl", "order_status", "Gdzie jest moja paczka")  # case and "?" aside, there
    assert not placed.added
    assert (nlu_dir / "pl" / "orders.yml").read_bytes() == before


def test_words_another_intent_already_has_are_refused(nlu_dir):
    with pytest.raises(ExampleConflict, match="order_status"):
        add_example(nlu_dir, "pl", "complaint", "gdzie jest moja paczka?")


def test_an_intent_new_to_a_language_follows_the_other_language_or_gets_its_own_file(nlu_dir):
    (nlu_dir / "en" / "payments.yml").write_text(
        (nlu_dir / "en" / "payments.yml").read_text(encoding="utf-8") + "- intent: gift_cards\n  examples: |\n    - x\n",
        encoding="utf-8")
    assert target_file(nlu_dir, "pl", "gift_cards") == nlu_dir / "pl" / "payments.yml"
    assert target_file(nlu_dir, "pl", "praise") == nlu_dir / "pl" / "praise.yml"


def test_examples_compare_without_annotations_case_diacritics_and_punctuation():
    assert example_key("Zamówienie [48213](order_id)!") == example_key("zamowienie 48213") == "zamowienie 48213"
