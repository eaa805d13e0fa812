"""Reading `rasa test core`'s report files into the evaluation's story results."""

import json

from bot.trainer.evaluation.story_tests import read_story_results


def test_failed_stories_are_named(tmp_path):
    (tmp_path / "story_report.json").write_text(json.dumps({
        "accuracy": 0.9512, "conversation_accuracy": {"accuracy": 0.8, "correct": 4, "with_warnings": 0, "total": 5}}))
    (tmp_path / "failed_test_stories.yml").write_text(
        'version: "3.1"\nstories:\n- story: English customer returns shoes (./tests/stories/test_returns.yml)\n'
        "  steps:\n  - intent: start_return\n  - action: verify_form  # predicted: action_listen\n")
    results = read_story_results(tmp_path)
    assert (results.total, results.passed, results.action_accuracy) == (5, 4, 0.9512)
    assert results.failed == ["English customer returns shoes (./tests/stories/test_returns.yml)"]


def test_nothing_failed(tmp_path):
    (tmp_path / "story_report.json").write_text(json.dumps({"conversation_accuracy": {"total": 3, "correct": 3}}))
    (tmp_path / "failed_test_stories.yml").write_text("# None of the test stories failed - all good!")
    assert read_story_results(tmp_path).as_dict()["passed"] == 3


def test_no_report_is_an_error(tmp_path):
    assert read_story_results(tmp_path).error
