"""Appends one example to one Rasa NLU file through a ruamel.yaml round trip, so every other byte of
the file (comments, blank lines, quoting, indentation) stays as the trainer wrote it."""

from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.trainer.data.file_edits import (
    FileLayoutError,
    dumped,
    inserted_lines,
    load_for_edit,
    round_trip_yaml,
    write_atomically,
)

NEW_FILE_HEADER = 'version: "3.1"\n# Examples added from the review inbox (bot/trainer/).\nnlu:\n'


def _with_example(examples: object, example: str) -> LiteralScalarString:
    if not isinstance(examples, LiteralScalarString):
        raise FileLayoutError("the intent's examples are not an `examples: |` block")
    body = str(examples)
    # `|-` blocks have no final newline; keep it that way so the chomping indicator stays.
    if body and not body.endswith("\n"):
        return LiteralScalarString(f"{body}\n- {example}")
    return LiteralScalarString(f"{body}- {example}\n")


def append_example(path: Path, intent: str, example: str) -> int:
    """Adds `- example` to the intent's block in `path`, or a new block at the end when the file
    has none (the file is created if missing). Returns the 1-based line of the new example."""
    yaml = round_trip_yaml()
    original, data = load_for_edit(yaml, path, NEW_FILE_HEADER, "NLU")
    if "nlu" in data and data["nlu"] is None:  # a new file, or one emptied by hand
        data["nlu"] = CommentedSeq()
    blocks = data.get("nlu")
    if not isinstance(blocks, CommentedSeq):
        raise FileLayoutError(f"{path.name} has no `nlu:` list")
    block = next((b for b in blocks if isinstance(b, CommentedMap) and b.get("intent") == intent), None)
    if block is None:
        blocks.append(CommentedMap([("intent", intent), ("examples", LiteralScalarString(f"- {example}\n"))]))
    else:
        block["examples"] = _with_example(block.get("examples"), example)
    updated = dumped(yaml, data)
    added = [i for i in inserted_lines(original, updated) if updated.splitlines()[i].strip() == f"- {example}"]
    if not added:
        raise FileLayoutError("the example did not land in the intent's block")
    write_atomically(path, updated)
    return added[-1] + 1
