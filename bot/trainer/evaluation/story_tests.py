"""Runs the test stories (`rasa test core --e2e`) and reads which passed from Rasa's report files."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.rasa_cli import run_rasa, story_test_argv


@dataclass(frozen=True)
class StoryResults:
    total: int
    failed: list[str] = field(default_factory=list)  # story names
    action_accuracy: float | None = None
    error: str | None = None  # Rasa did not get as far as a report

    @property
    def passed(self) -> int:
        return self.total - len(self.failed)

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def read_story_results(out_dir: Path) -> StoryResults:
    """Reads `story_report.json` and `failed_test_stories.yml` as `rasa test core` wrote them."""
    report_path = out_dir / "story_report.json"
    if not report_path.exists():
        return StoryResults(0, error=f"no {report_path.name} in {out_dir}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    conversations = report.get("conversation_accuracy") or {}
    failed_path = out_dir / "failed_test_stories.yml"
    # With nothing failed Rasa writes only a comment, which loads as None.
    failed_data = yaml.safe_load(failed_path.read_text(encoding="utf-8")) if failed_path.exists() else None
    failed = [s.get("story", "?") for s in (failed_data or {}).get("stories") or [] if isinstance(s, dict)]
    action_accuracy = report.get("accuracy", (report.get("micro avg") or {}).get("f1-score"))
    return StoryResults(int(conversations.get("total", len(failed))), failed,
                        round(action_accuracy, 4) if action_accuracy is not None else None)


def run_story_tests(layout: ProjectLayout, out_dir: Path, timeout: float = 1800) -> StoryResults:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = run_rasa(story_test_argv(layout, out_dir), layout.root, timeout)
    stories = read_story_results(out_dir)
    if stories.error and result.returncode != 0:
        return StoryResults(0, error=(result.stderr or result.stdout)[-2000:])
    return stories
