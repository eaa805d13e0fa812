"""An evaluation run on disk: results/eval/<run>/ with results.json, summary.md and confusion-matrix PNGs."""

import json
from datetime import datetime, timezone
from pathlib import Path

from bot.trainer.evaluation.comparison import Comparison
from bot.trainer.evaluation.plots import plot_confusion_matrix

RESULTS_FILE = "results.json"
SUMMARY_FILE = "summary.md"


def new_run_id(out_root: Path, now: datetime) -> str:
    """A UTC timestamp that sorts as text, so the newest run is the last folder name (-2, -3 within a second)."""
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidates = (stamp if n == 1 else f"{stamp}-{n}" for n in range(1, 1000))
    return next(c for c in candidates if not (out_root / c).exists())


def latest_run(out_root: Path) -> dict | None:
    runs = sorted(out_root.glob(f"*/{RESULTS_FILE}"), key=lambda p: p.parent.name) if out_root.is_dir() else []
    return json.loads(runs[-1].read_text(encoding="utf-8")) if runs else None


def write_run(out_root: Path, results: dict, comparison: Comparison | None) -> Path:
    run_dir = out_root / results["run"]
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / RESULTS_FILE).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (run_dir / SUMMARY_FILE).write_text(markdown(results, comparison), encoding="utf-8")
    for name, data in results["datasets"].items():
        matrix = data.get("confusion_matrix")
        if matrix and matrix["labels"]:
            plot_confusion_matrix(matrix["labels"], matrix["counts"], f"{name} ({data['language']})",
                                  run_dir / f"confusion_{name}.png")
    return run_dir


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(results: dict, comparison: Comparison | None) -> str:
    lines = [f"# Evaluation {results['run']}", "", f"Model: `{results['model']['path']}` "
             f"(trained {results['model']['trained_at']})", "",
             "| data set | language | examples | accuracy | macro-F1 | entity precision | entity recall |",
             "|---|---|---|---|---|---|---|"]
    for name, data in results["datasets"].items():
        entities = data.get("entities") or {}
        lines.append(f"| {name} | {data['language']} | {data['examples']} | {_number(data['accuracy'])} | "
                     f"{_number(data['macro_f1'])} | {_number(entities.get('precision'))} | "
                     f"{_number(entities.get('recall'))} |")
    stories = results.get("stories")
    if stories:
        lines += ["", "## Test stories", ""]
        if stories.get("error"):
            lines.append(f"Not run: {stories['error'].strip().splitlines()[-1] if stories['error'].strip() else 'error'}")
        else:
            lines.append(f"{stories['passed']} of {stories['total']} passed"
                         + (f"; failed: {', '.join(stories['failed'])}" if stories["failed"] else ""))
    if comparison:
        lines += ["", "## Compared with the previous run", "", *[f"- {line.strip()}" for line in comparison.lines()[1:]]]
    for name, data in results["datasets"].items():
        lines += ["", f"## {name}", "", "| intent | examples | precision | recall | F1 |", "|---|---|---|---|---|"]
        lines += [f"| {intent} | {s['support']} | {_number(s['precision'])} | {_number(s['recall'])} | {_number(s['f1'])} |"
                  for intent, s in data["per_intent"].items()]
        if data["confusions"]:
            lines += ["", "Worst confusions (expected → predicted):", ""]
            for c in data["confusions"]:
                examples = "; ".join(f"“{text}”" for text in c["examples"])
                lines.append(f"- {c['expected']} → {c['predicted']} ({c['count']}): {examples}")
        entities = data.get("entities")
        if entities and entities["per_entity"]:
            lines += ["", "| entity | annotated | precision | recall | F1 |", "|---|---|---|---|---|"]
            lines += [f"| {entity} | {s['support']} | {_number(s['precision'])} | {_number(s['recall'])} | {_number(s['f1'])} |"
                      for entity, s in entities["per_entity"].items()]
        if data.get("confusion_matrix"):
            lines += ["", f"![confusion matrix](confusion_{name}.png)"]
    return "\n".join(lines) + "\n"
