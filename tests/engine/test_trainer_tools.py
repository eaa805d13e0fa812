"""The trainer tools against the session's real engine: an evaluation run, and a model swap mid-conversation."""

import pytest

from bot.settings import PROJECT_ROOT
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.reload import load_model
from bot.trainer.evaluation.runner import EvalOptions, evaluate

pytestmark = pytest.mark.engine
LAYOUT = ProjectLayout(PROJECT_ROOT)


def test_eval_scores_the_heldout_split_and_writes_the_report(stack, tmp_path):
    # No benchmark and no test stories: those take minutes and are covered elsewhere.
    run = evaluate(LAYOUT, EvalOptions(engine=stack.engine, stories=False, train_if_stale=False,
                                       benchmarks_dir=tmp_path / "no-benchmarks", out_root=tmp_path / "eval"),
                   log=lambda _: None)
    for language in LAYOUT.languages:
        scores = run.results["datasets"][f"heldout_{language}"]
        assert scores["accuracy"] >= 0.92 and scores["macro_f1"] >= 0.9
        assert scores["entities"]["recall"] >= 0.8
        assert (run.directory / f"confusion_heldout_{language}.png").exists()
    assert (run.directory / "summary.md").exists()


def test_a_model_swap_keeps_conversations_in_progress(stack):
    chat = stack.conversation()
    assert "numer zamówienia" in chat.say("gdzie jest moja paczka?").text
    load_model(stack.engine, LAYOUT.model)  # what `koliber train` does after training
    # The verification form goes on where it was: a forgotten conversation would not ask for the e-mail.
    assert "e-mail" in chat.say("48213").text
    assert "w drodze" in chat.say("anna.nowak@example.pl").text
