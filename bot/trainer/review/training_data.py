"""Puts a labelled example into nlu_data/<language>/: the file that already holds the intent, no
duplicates, and never an example another intent already has."""

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.trainer.review.nlu_file import append_example
from text.folding import fold

# One gateway process edits the files; the lock keeps two trainers' appends from interleaving.
_write_lock = threading.Lock()
_ANNOTATION = re.compile(r"\[([^\[\]]+)\](?:\([^()]+\)|\{[^{}]+\})")


class ExampleConflict(ValueError):
    """The same words are already an example of another intent."""


@dataclass(frozen=True)
class Placed:
    path: Path
    line: int
    added: bool  # False when the example was there already


@dataclass(frozen=True)
class _Known:
    intent: str
    path: Path


def example_key(example: str) -> str:
    """Examples compared as `koliber validate` does: case, diacritics, punctuation and spacing ignored."""
    return " ".join(re.findall(r"\w+", fold(_ANNOTATION.sub(r"\1", example))))


@lru_cache(maxsize=64)
def _read(path: Path, _mtime_ns: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    blocks = []
    for block in data.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            raw = block.get("examples") or ""
            lines = raw.splitlines() if isinstance(raw, str) else [str(i.get("text", "")) for i in raw if isinstance(i, dict)]
            blocks.append((str(block["intent"]), tuple(line.strip()[2:] if line.strip().startswith("- ") else line.strip()
                                                       for line in lines if line.strip())))
    return tuple(blocks)


def _blocks(path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return _read(path, path.stat().st_mtime_ns)


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def target_file(nlu_dir: Path, language: str, intent: str) -> Path:
    """Where the intent's examples live in this language; for an intent new to the language, the file
    the other languages keep it in (same name), else a file named after the intent."""
    for path in _files(nlu_dir / language):
        if any(name == intent for name, _ in _blocks(path)):
            return path
    for folder in sorted(p for p in nlu_dir.iterdir() if p.is_dir() and p.name != language):
        for path in _files(folder):
            if any(name == intent for name, _ in _blocks(path)):
                return nlu_dir / language / path.name
    return nlu_dir / language / f"{intent}.yml"


def add_example(nlu_dir: Path, language: str, intent: str, example: str) -> Placed:
    with _write_lock:
        key = example_key(example)
        for path in _files(nlu_dir / language):
            for name, examples in _blocks(path):
                if any(example_key(known) == key for known in examples):
                    if name != intent:
                        raise ExampleConflict(f"already an example of {name!r} in {path.name}")
                    return Placed(path, 0, added=False)
        path = target_file(nlu_dir, language, intent)
        return Placed(path, append_example(path, intent, example), added=True)
