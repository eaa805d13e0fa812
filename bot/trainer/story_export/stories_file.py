"""Writes test stories in Rasa's format, appended to one file through a ruamel.yaml round trip."""

import threading
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
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
from bot.trainer.story_export.steps import ActionStep, SlotStep, Step, UserStep

NEW_FILE_HEADER = (
    'version: "3.1"\n\n'
    "# Test stories exported from real conversations by the review inbox (/console/review), with\n"
    "# personal data replaced by placeholders. `rasa test` runs them with the other test stories.\n"
    "stories:\n"
)
_write_lock = threading.Lock()


def _yaml() -> YAML:
    yaml = round_trip_yaml()
    # `active_loop: null`, as Rasa writes it, rather than an empty value.
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def _step_map(step: Step) -> CommentedMap:
    if isinstance(step, UserStep):
        fields: list[tuple[str, Any]] = []
        if step.annotated is not None:
            fields.append(("user", LiteralScalarString(step.annotated.strip() + "\n")))
        return CommentedMap([*fields, ("intent", step.intent)])
    if isinstance(step, ActionStep):
        return CommentedMap([("action", step.action)] if step.action else [("bot", step.bot_text)])
    if isinstance(step, SlotStep):
        return CommentedMap([("slot_was_set", CommentedSeq([CommentedMap([(step.name, step.value)])]))])
    return CommentedMap([("active_loop", step.name)])  # a LoopStep


def _story_map(name: str, steps: list[Step]) -> CommentedMap:
    return CommentedMap([("story", name), ("steps", CommentedSeq(map(_step_map, steps)))])


def story_yaml(name: str, steps: list[Step]) -> str:
    """One story as it appears in the file, for showing the trainer what was written."""
    return dumped(_yaml(), CommentedSeq([_story_map(name, steps)]))


def append_story(path: Path, name: str, steps: list[Step], comment: str) -> int:
    """Adds the story at the end of the file's `stories:` (the file is created if missing), with
    `comment` above it (plain lines; ruamel adds the `#`). Returns the 1-based line of `- story:`."""
    with _write_lock:
        yaml = _yaml()
        original, data = load_for_edit(yaml, path, NEW_FILE_HEADER, "story")
        if not isinstance(data.get("stories", CommentedSeq()), (CommentedSeq, type(None))):
            raise FileLayoutError(f"{path.name} is not a Rasa story file")
        if data.get("stories") is None:
            data["stories"] = CommentedSeq()
        stories = data["stories"]
        stories.append(_story_map(name, steps))
        stories.yaml_set_comment_before_after_key(len(stories) - 1, before="\n" + comment, indent=0)
        updated = dumped(yaml, data)
        first = next((i for i in inserted_lines(original, updated) if updated.splitlines()[i].startswith("- story:")), None)
        if first is None:
            raise FileLayoutError("the story did not land at the end of the file")
        write_atomically(path, updated)
        return first + 1
