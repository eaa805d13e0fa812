"""deploy/prometheus.yml and deploy/alerts.yml are what Prometheus itself accepts (promtool, from
Debian's `prometheus` package), with the token files they name in place."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
PROMTOOL = shutil.which("promtool")
TOKEN_DIR = "/etc/prometheus/"


@pytest.fixture
def deploy_copy(tmp_path: Path) -> Path:
    """The two files side by side, the token files they read under tmp_path."""
    config = (DEPLOY / "prometheus.yml").read_text()
    assert TOKEN_DIR in config
    (tmp_path / "prometheus.yml").write_text(config.replace(TOKEN_DIR, f"{tmp_path}/"))
    shutil.copy(DEPLOY / "alerts.yml", tmp_path / "alerts.yml")
    for name in ("koliber-metrics-token", "koliber-actions-token"):
        (tmp_path / name).write_text("a-token\n")
    return tmp_path


def promtool(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    if PROMTOOL is None:
        pytest.fail("promtool is missing: run scripts/system-packages (Debian package `prometheus`)")
    return subprocess.run([PROMTOOL, *argv], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_prometheus_accepts_the_scrape_config_and_its_rules(deploy_copy: Path) -> None:
    checked = promtool("check", "config", "prometheus.yml", cwd=deploy_copy)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "5 rules found" in checked.stdout + checked.stderr


def test_the_alerts_read_what_koliber_exports(deploy_copy: Path) -> None:
    """A renamed metric would leave an alert that never fires: every name the rules use is exported."""
    checked = promtool("check", "rules", "alerts.yml", cwd=deploy_copy)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    used = set(re.findall(r"koliber_[a-z_]+", (deploy_copy / "alerts.yml").read_text()))
    assert {"koliber_engine_up", "koliber_engine_errors_total", "koliber_turn_seconds_bucket", "koliber_queue_oldest_wait_seconds",
            "koliber_outbound_failures_total"} <= used
    assert used <= exported_names()


def exported_names() -> set[str]:
    """The sample names of the gateway's and the action server's metrics (this process imports both)."""
    import actions.metrics  # noqa: F401
    import bot.observability.metrics  # noqa: F401
    names = set(REGISTRY._names_to_collectors)  # every sample name, _total and _bucket included
    return names | {family.name for family in bot.observability.metrics.QUEUE.describe()}
