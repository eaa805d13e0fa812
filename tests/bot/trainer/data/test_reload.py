"""`koliber train`: retrain, then have the running engine load the new model (Rasa's `PUT /model`)."""

import os
from dataclasses import dataclass, field

import pytest

from bot.cli import main
from bot.engine.address import EngineAddress
from bot.trainer.data import training
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.reload import ReloadFailed, engine_is_running, load_model
from testing.fakes.engine import FakeEngine, engine_for_commands
from tests.bot.trainer.sample_project import NLU, write_project

NOBODY = "http://127.0.0.1:9"  # nothing listens on the discard port


@pytest.fixture
def engine(monkeypatch):
    with engine_for_commands(FakeEngine(), monkeypatch) as fake:
        yield fake


@dataclass
class Project:
    layout: ProjectLayout
    training_runs: list[ProjectLayout] = field(default_factory=list)

    @property
    def root(self) -> str:
        return str(self.layout.root)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    """The sample project with an old model; "training" rewrites it."""
    project = Project(write_project(tmp_path))
    project.layout.model.parent.mkdir()
    project.layout.model.write_bytes(b"old model")
    os.utime(project.layout.model, (1, 1))

    def fake_train(layout):
        project.training_runs.append(layout)
        layout.model.write_bytes(b"new model")
        return True

    monkeypatch.setattr(training, "train", fake_train)
    return project


def test_load_model_sends_the_models_absolute_path(engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_model(engine.address, tmp_path.joinpath("models", "koliber.tar.gz").relative_to(tmp_path))
    assert engine.loaded_models == [str(tmp_path / "models" / "koliber.tar.gz")]


def test_a_refused_model_is_an_error(engine, tmp_path):
    engine.refuse_models = True
    with pytest.raises(ReloadFailed, match="400"):
        load_model(engine.address, tmp_path / "koliber.tar.gz")


def test_engine_is_running(engine):
    assert engine_is_running(engine.address) and not engine_is_running(EngineAddress(NOBODY, engine.token), timeout=1)
    assert not engine_is_running(EngineAddress(engine.url, "wrong-token"))


def test_train_then_reload_the_running_engine(project, engine, capsys):
    assert main(["train", "--rasa-url", engine.url, "--project", project.root]) == 0
    assert len(project.training_runs) == 1
    assert engine.loaded_models == [str(project.layout.model)]
    assert "open conversations are kept" in capsys.readouterr().out


def test_without_a_running_engine_it_only_trains(project, capsys):
    assert main(["train", "--rasa-url", NOBODY, "--project", project.root]) == 0
    assert len(project.training_runs) == 1 and f"no engine at {NOBODY}" in capsys.readouterr().out


def test_an_unchanged_model_is_not_reloaded(project, engine, monkeypatch):
    monkeypatch.setattr(training, "train", lambda layout: True)  # Rasa found nothing to retrain
    assert main(["train", "--rasa-url", engine.url, "--project", project.root]) == 0
    assert engine.loaded_models == []


def test_broken_training_data_is_not_trained_on(project, engine, capsys):
    (project.layout.nlu_dir / "en" / "nlu.yml").write_text(NLU["en"].replace("    - good morning\n", ""), encoding="utf-8")
    assert main(["train", "--rasa-url", engine.url, "--project", project.root]) == 1
    assert project.training_runs == [] and engine.loaded_models == []
    assert "intent 'greet' has 2 en examples" in capsys.readouterr().err
    assert main(["train", "--no-validate", "--rasa-url", engine.url, "--project", project.root]) == 0
    assert len(project.training_runs) == 1
