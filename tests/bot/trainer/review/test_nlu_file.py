"""An example added through the inbox changes its NLU file by exactly one line (copies of the real
files in tmp_path: the repo's nlu_data is never touched)."""

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from bot.trainer.data.file_edits import FileLayoutError
from bot.trainer.review.nlu_file import append_example

REAL_FILES = sorted((PROJECT_ROOT / "nlu_data").glob("*/*.yml"))


def added_lines(before: str, after: str) -> list[str]:
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    assert not [line for line in diff if line.startswith("- ")], "a line of the original changed"
    return [line[2:] for line in diff if line.startswith("+ ")]


def intents_of(path: Path) -> list[str]:
    return [block["intent"] for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"] if "intent" in block]


@pytest.mark.parametrize("source", [p for p in REAL_FILES if intents_of(p)], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_file_takes_an_example_in_each_block_and_changes_nowhere_else(tmp_path, source):
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    for intent in intents_of(path):
        before = path.read_bytes().decode("utf-8")
        example = f"nowy przykład dla [10001](order_id) {intent}"
        line = append_example(path, intent, example)
        after = path.read_bytes().decode("utf-8")
        assert added_lines(before, after) == [f"    - {example}\n"]
        assert after.splitlines()[line - 1] == f"    - {example}"
        block = next(b for b in yaml.safe_load(after)["nlu"] if b.get("intent") == intent)
        assert block["examples"].splitlines()[-1] == f"- {example}"  # last in its own block


def test_an_intent_new_to_the_file_gets_a_block_at_the_end(tmp_path):
    path = tmp_path / "smalltalk.yml"
    shutil.copyfile(PROJECT_ROOT / "nlu_data" / "pl" / "smalltalk.yml", path)
    before = path.read_text(encoding="utf-8")
    append_example(path, "praise", "świetna robota")
    assert added_lines(before, path.read_text(encoding="utf-8")) == [
        "- intent: praise\n", "  examples: |\n", "    - świetna robota\n"]


COMMENTED = '''version: "3.1"
# Polish greetings. Keep "dzień dobry" first.
nlu:
- intent: greet   # the common one
  examples: |
    - dzień dobry
    - cześć

# Goodbyes, formal and not.
- intent: goodbye
  examples: |-
    - do widzenia
- intent: thank
  examples: |
    - dzięki
    # not a comment but an odd example line, kept as it is
  # a comment after the block
'''


def test_comments_blank_lines_and_chomping_survive(tmp_path):
    path = tmp_path / "greetings.yml"
    path.write_text(COMMENTED, encoding="utf-8")
    for intent, example in (("greet", "siema"), ("goodbye", "na razie"), ("thank", "dziękuję bardzo")):
        before = path.read_text(encoding="utf-8")
        append_example(path, intent, example)
        assert added_lines(before, path.read_text(encoding="utf-8")) == [f"    - {example}\n"]
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"][1]["examples"] == "- do widzenia\n- na razie"


def test_a_file_the_round_trip_would_reformat_is_left_alone(tmp_path):
    path = tmp_path / "indented.yml"
    original = 'version: "3.1"\nnlu:\n    -   intent: greet\n        examples: |\n            - hej\n'
    path.write_text(original, encoding="utf-8")
    with pytest.raises(FileLayoutError):
        append_example(path, "greet", "siema")
    assert path.read_text(encoding="utf-8") == original


def test_a_missing_file_is_created(tmp_path):
    path = tmp_path / "pl" / "praise.yml"
    assert append_example(path, "praise", "super") == 6
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {
        "version": "3.1", "nlu": [{"intent": "praise", "examples": "- super\n"}]}
