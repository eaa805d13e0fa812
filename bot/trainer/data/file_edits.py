"""Safe edits of files trainers also edit by hand: a round trip may only add lines, and a write is
atomic."""

import difflib
import io
import os
import tempfile
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError


class FileLayoutError(RuntimeError):
    """The file cannot take the addition without being rewritten elsewhere; nothing was written."""


def round_trip_yaml() -> YAML:
    # The project's Rasa files: two-space mappings, sequences flush with their key, long lines kept.
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def load_for_edit(yaml: YAML, path: Path, new_file: str, kind: str) -> tuple[str, CommentedMap]:
    """The file's text (`new_file` when there is none yet) and its round-trip parse, which must be
    a mapping, as every Rasa `kind` file is."""
    original = path.read_text(encoding="utf-8") if path.exists() else new_file
    try:
        data = yaml.load(original)
    except YAMLError as error:
        raise FileLayoutError(f"{path.name} is not valid YAML: {error}") from error
    if not isinstance(data, CommentedMap):
        raise FileLayoutError(f"{path.name} is not a Rasa {kind} file")
    return original, data


def dumped(yaml: YAML, data: object) -> str:
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def inserted_lines(original: str, updated: str) -> list[int]:
    """0-based indexes of the lines `updated` adds to `original`; FileLayoutError if it changes any other."""
    before, after = original.splitlines(keepends=True), updated.splitlines(keepends=True)
    inserted: list[int] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            raise FileLayoutError("the change would reformat other lines of the file")
        inserted += range(j1, j2)
    return inserted


def write_atomically(path: Path, text: str) -> None:
    """Readers (a training run, `rasa data validate`) see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
