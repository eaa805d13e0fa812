"""`koliber eval` on the sample project against a fake engine: scores, report files, comparison."""

import json
import os
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot.cli import main
from bot.trainer.evaluation import runner
from bot.trainer.evaluation.runner import EvalOptions, evaluate
from testing.fakes.engine import FakeEngine, engine_for_commands
from tests.bot.trainer.sample_project import write_project

HELDOUT = {
    "pl": 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - dzień dobry państwu\n    - siema\n'
          "- intent: order_status\n  examples: |\n    - gdzie moja paczka [12345](order_id)\n    - status przesyłki\n",
    "en": 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello you\n'
          "- intent: order_status\n  examples: |\n    - where is parcel [54321](order_id)\n",
}
BENCHMARK = [{"text": "hello there", "accept": ["greet"], "lang": "en"},
             {"text": "my parcel please", "accept": ["order_status", "delivery_time"], "lang": "en"},
             {"text": "what about my stuff", "accept": ["order_status"], "lang": "en"}]
KEYWORDS = {"dzień": "greet", "hello": "greet", "paczka": "order_status", "parcel": "order_status"}


@pytest.fixture
def project(tmp_path):
    layout = write_project(tmp_path / "project")
    for language, text in HELDOUT.items():
        (layout.heldout_dir / f"{language}.yml").parent.mkdir(parents=True, exist_ok=True)
        (layout.heldout_dir / f"{language}.yml").write_text(text, encoding="utf-8")
    benchmark = tmp_path / "benchmarks" / "mini-en" / "test.jsonl"
    benchmark.parent.mkdir(parents=True)
    benchmark.write_text("".join(json.dumps(row) + "\n" for row in BENCHMARK), encoding="utf-8")
    layout.model.parent.mkdir(parents=True)
    layout.model.write_bytes(b"a model")  # newer than the data it was written after
    return layout


@pytest.fixture
def engine(monkeypatch):
    with engine_for_commands(FakeEngine(keywords=dict(KEYWORDS)), monkeypatch) as fake:
        yield fake


def options(project, engine, hour: int) -> EvalOptions:
    return EvalOptions(engine=engine.address, stories=False, benchmarks_dir=project.root.parent / "benchmarks",
                       out_root=project.root / "results" / "eval",
                       now=lambda: datetime(2026, 11, 23, hour, 0, tzinfo=timezone.utc))


def test_scores_every_data_set_and_writes_the_run(project, engine):
    run = evaluate(project, options(project, engine, 10), log=lambda _: None)
    assert run.directory == project.root / "results" / "eval" / "20261123T100000Z"
    assert run.comparison is None
    results = json.loads((run.directory / "results.json").read_text(encoding="utf-8"))
    assert list(results["datasets"]) == ["heldout_pl", "heldout_en", "mini-en"]
    pl = results["datasets"]["heldout_pl"]
    assert (pl["language"], pl["examples"], pl["accuracy"]) == ("pl", 4, 0.5)
    assert pl["confusions"][0]["expected"] in ("greet", "order_status") and pl["confusions"][0]["examples"]
    assert pl["entities"]["precision"] == 1.0 and pl["entities"]["recall"] == 1.0  # the annotated row's 12345
    bench = results["datasets"]["mini-en"]
    assert (bench["language"], bench["accuracy"], bench["entities"]) == ("en", 0.6667, None)
    summary = (run.directory / "summary.md").read_text(encoding="utf-8")
    assert "| heldout_pl | pl | 4 | 0.500 |" in summary and "siema" in summary
    for name in ("heldout_pl", "heldout_en", "mini-en"):
        assert (run.directory / f"confusion_{name}.png").read_bytes().startswith(b"\x89PNG")


def test_a_second_run_is_compared_with_the_first(project, engine):
    evaluate(project, options(project, engine, 10), log=lambda _: None)
    engine.keywords["status"] = "order_status"  # the retrained model now gets "status przesyłki" right
    engine.keywords.pop("hello")  # ... and no longer understands "hello"
    run = evaluate(project, options(project, engine, 11), log=lambda _: None)
    assert run.comparison.previous_run == "20261123T100000Z"
    better = {(c.dataset, c.measure) for c in run.comparison.better}
    worse = {(c.dataset, c.measure) for c in run.comparison.worse}
    assert ("heldout_pl", "F1 of order_status") in better and ("heldout_pl", "accuracy") in better
    assert ("heldout_en", "F1 of greet") in worse and ("mini-en", "accuracy") in worse
    assert "## Compared with the previous run" in (run.directory / "summary.md").read_text(encoding="utf-8")


def test_a_stale_model_is_retrained_first(project, engine, monkeypatch):
    (project.nlu_dir / "pl" / "nlu.yml").touch()
    os.utime(project.model, (0, 0))
    trained = []
    monkeypatch.setattr(runner, "train", lambda layout: trained.append(layout) or layout.model.touch() or True)
    evaluate(project, options(project, engine, 10), log=lambda _: None)
    assert trained == [project]


def test_the_command_prints_the_scores_and_the_comparison(project, engine, capsys):
    argv = ["eval", "--engine-url", engine.url, "--no-stories", "--benchmarks", str(project.root.parent / "benchmarks"),
            "--project", str(project.root)]
    assert main(argv) == 0
    assert "no previous run to compare with" in capsys.readouterr().out
    engine.keywords.pop("hello")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "heldout_pl" in out and "accuracy 0.500" in out
    assert "worse:  heldout_en: F1 of greet 1.000 → 0.000" in out


def test_without_a_model_and_without_training_there_is_nothing_to_evaluate(project, engine):
    project.model.unlink()
    with pytest.raises(runner.EvaluationFailed, match="no model"):
        evaluate(project, replace(options(project, engine, 10), train_if_stale=False), log=lambda _: None)
