"""`koliber eval`: scores the trained model on data it never saw and compares with the previous run."""

import asyncio
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bot.engine.address import EngineAddress
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.training import model_is_stale, train
from bot.trainer.evaluation.comparison import Comparison, compare
from bot.trainer.evaluation.datasets import SHARED_BENCHMARKS, EvalSet, benchmark_sets, heldout_set
from bot.trainer.evaluation.metrics import Prediction, confusion_matrix, entity_report, intent_report
from bot.trainer.evaluation.predict import Parse, parse_engine, parse_texts
from bot.trainer.evaluation.run_files import latest_run, new_run_id, write_run
from bot.trainer.evaluation.story_tests import run_story_tests


class EvaluationFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class EvalRun:
    directory: Path
    results: dict
    comparison: Comparison | None


@dataclass(frozen=True)
class EvalOptions:
    engine: EngineAddress | None = None  # a running engine that already serves the current model
    stories: bool = True
    train_if_stale: bool = True  # otherwise a stale model is evaluated as it is (with a warning)
    benchmarks_dir: Path = SHARED_BENCHMARKS
    out_root: Path | None = None  # default: <project>/results/eval
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))


def score_set(eval_set: EvalSet, parses: list[Parse]) -> dict:
    """Intent scores, the confusion matrix and (where the rows are annotated) entity scores of one data set."""
    predictions = [Prediction(row.text, row.accept, parse.intent) for row, parse in zip(eval_set.rows, parses, strict=True)]
    labels, counts = confusion_matrix(predictions)
    annotated = [(row, parse) for row, parse in zip(eval_set.rows, parses) if row.entities]
    entities = (entity_report([row.entities for row, _ in annotated], [parse.entities for _, parse in annotated])
                if eval_set.entities_annotated and annotated else None)
    return {"language": eval_set.language, **intent_report(predictions), "entities": entities,
            "confusion_matrix": {"labels": labels, "counts": counts}}


@contextmanager
def _engine(layout: ProjectLayout, options: EvalOptions, work_dir: Path) -> Iterator[EngineAddress]:
    if options.engine:
        yield options.engine
    else:
        with parse_engine(layout.model.parent, work_dir) as engine:
            yield engine


def _ensure_model(layout: ProjectLayout, train_if_stale: bool, log: Callable[[str], None]) -> None:
    if not model_is_stale(layout):
        return
    if not train_if_stale:
        if not layout.model.exists():
            raise EvaluationFailed(f"no model at {layout.model}: run `koliber train`")
        log("warning: the model is older than the training data; evaluating it as it is")
        return
    log("the model is missing or older than the data: training ...")
    if not train(layout):
        raise EvaluationFailed("training failed")


def evaluate(layout: ProjectLayout, options: EvalOptions = EvalOptions(),
             log: Callable[[str], None] = print) -> EvalRun:
    """Trains when needed, scores every data set, runs the test stories and writes the run."""
    _ensure_model(layout, options.train_if_stale, log)
    sets = [heldout_set(layout, language) for language in layout.languages] + benchmark_sets(options.benchmarks_dir)
    out_root = options.out_root or layout.root / "results" / "eval"
    now = options.now()
    results: dict = {"run": new_run_id(out_root, now), "created_at": now.isoformat(timespec="seconds"),
                     "model": {"path": str(layout.model.relative_to(layout.root)),
                               "trained_at": datetime.fromtimestamp(layout.model.stat().st_mtime, timezone.utc)
                               .isoformat(timespec="seconds")},
                     "datasets": {}, "stories": None}
    with tempfile.TemporaryDirectory() as work:
        log("starting an engine to parse with ..." if not options.engine else f"parsing with {options.engine.url}")
        with _engine(layout, options, Path(work)) as engine:
            for eval_set in sets:
                log(f"parsing {eval_set.name} ({len(eval_set.rows)} texts) ...")
                parses = asyncio.run(parse_texts(engine, [row.text for row in eval_set.rows]))
                results["datasets"][eval_set.name] = score_set(eval_set, parses)
        if options.stories:
            log("running the test stories (rasa test core --e2e) ...")
            results["stories"] = run_story_tests(layout, Path(work) / "stories").as_dict()
    previous = latest_run(out_root)
    comparison = compare(previous, results) if previous else None
    return EvalRun(write_run(out_root, results, comparison), results, comparison)


def summary_lines(results: dict) -> list[str]:
    """The few numbers a trainer looks at first, one line per data set."""
    lines = []
    for name, data in results["datasets"].items():
        entities = data.get("entities")
        entity_part = f", entities P {entities['precision']:.3f} R {entities['recall']:.3f}" if entities else ""
        lines.append(f"{name:<14} {data['examples']:>5} texts  accuracy {data['accuracy']:.3f}  "
                     f"macro-F1 {data['macro_f1']:.3f}{entity_part}")
    stories = results.get("stories")
    if stories:
        lines.append(f"test stories: {stories['passed']} of {stories['total']} passed" if not stories.get("error")
                     else "test stories: not run (see summary.md)")
    return lines
