"""Evaluation data the model never trains on: the held-out split and the shared benchmarks.

A row counts as understood when the predicted intent is in its `accept` list (the benchmarks map
one external intent onto several of ours); the first accepted intent is the row's reference.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.trainer.data.annotations import EntitySpan, parse_annotated
from bot.trainer.data.project import ProjectLayout, load_examples

SHARED_BENCHMARKS = PROJECT_ROOT.parent / "shared" / "benchmarks"


@dataclass(frozen=True)
class EvalRow:
    text: str
    accept: tuple[str, ...]
    entities: tuple[EntitySpan, ...] = ()


@dataclass(frozen=True)
class EvalSet:
    name: str
    language: str
    rows: list[EvalRow]
    entities_annotated: bool  # only then can entity precision and recall be measured


def heldout_set(layout: ProjectLayout, language: str) -> EvalSet:
    rows = []
    for example in load_examples(layout.heldout_dir / f"{language}.yml", language):
        text, spans = parse_annotated(example.text)
        rows.append(EvalRow(text, (example.intent,), tuple(spans)))
    return EvalSet(f"heldout_{language}", language, rows, entities_annotated=True)


def benchmark_sets(folder: Path = SHARED_BENCHMARKS) -> list[EvalSet]:
    """Every benchmark under `folder` with a `test.jsonl` of {text, accept, lang} rows."""
    sets = []
    for path in sorted(folder.glob("*/test.jsonl")) if folder.is_dir() else []:
        records = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        rows = [EvalRow(r["text"], tuple(r["accept"])) for r in records if r.get("text") and r.get("accept")]
        if rows:
            language = next((r["lang"] for r in records if r.get("lang")), "en")
            sets.append(EvalSet(path.parent.name, language, rows, entities_annotated=False))
    return sets
