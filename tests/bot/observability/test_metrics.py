"""The gateway's Prometheus metrics: Debian's `prometheus` scrapes a gateway talking to the real
engine during a short load, and its HTTP API gives back the turns sent and their latencies; and
`/metrics` is closed to anyone without the metrics token."""

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.api.metrics import scrape_token
from bot.main import create_app
from bot.processes import free_port
from bot.settings import DEV_PLACEHOLDER
from testing.served import ServedApp
from testing.waiting import wait_until
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, DEAD_ENGINE, gateway_settings

TOKEN = "test-metrics-token"
PROMETHEUS = shutil.which("prometheus")
LOAD = {"pl": ["Dzień dobry, ile kosztuje wysyłka?", "Jakie są godziny otwarcia sklepu?"],
        "en": ["Hello, how much does shipping cost?", "What are your opening hours?"]}
PER_LANGUAGE = 10


@pytest.fixture
def served_gateway(stack, twilio_cloud) -> Iterator[ServedApp]:
    """A gateway on a real port (Prometheus scrapes over HTTP) in front of the session's engine."""
    settings = gateway_settings(stack.database_url, stack.engine, ALWAYS_OPEN, twilio_cloud,
                                KOLIBER_METRICS_TOKEN=TOKEN)
    with ServedApp(create_app(settings)) as served:
        yield served


@pytest.fixture
def prometheus(served_gateway: ServedApp, tmp_path: Path) -> Iterator[str]:
    """Prometheus scraping the gateway every second with the token; yields its API's base URL."""
    if PROMETHEUS is None:
        pytest.fail("prometheus is missing: run scripts/system-packages (Debian package `prometheus`)")
    (tmp_path / "token").write_text(TOKEN)
    (tmp_path / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s}}
scrape_configs:
  - job_name: koliber-gateway
    authorization: {{type: Bearer, credentials_file: {tmp_path / 'token'}}}
    static_configs: [{{targets: ["127.0.0.1:{served_gateway.port}"]}}]
""")
    port = free_port()
    process = subprocess.Popen(
        [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: process.poll() is not None or _ready(base), timeout=20, what="Prometheus to start")
        assert process.poll() is None, (tmp_path / "prometheus.log").read_text()
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def turns_by_language(gateway: ServedApp) -> dict[str, float]:
    """What this process has counted so far (other tests in the session count too)."""
    text = httpx.get(f"{gateway.base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    return {sample.labels["language"]: sample.value for family in text_string_to_metric_families(text)
            if family.name == "koliber_turns" for sample in family.samples
            if sample.name == "koliber_turns_total" and sample.labels["channel"] == "api"}


async def send_load(gateway: ServedApp) -> dict[str, str]:
    """PER_LANGUAGE new API conversations in each language, all at once; each reply's language."""
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=60,
                                 headers={"Authorization": f"Bearer {API_KEY}"}) as client:
        async def one(language: str, number: int) -> str:
            text = LOAD[language][number % len(LOAD[language])]
            response = await client.post("/api/v1/messages", json={"text": text, "language": language,
                                                                    "sender": f"load-{language}-{number}"})
            response.raise_for_status()
            assert response.json()["replies"], response.text
            return language
        sent = await asyncio.gather(*(one(language, number) for language in LOAD for number in range(PER_LANGUAGE)))
    return {language: sent.count(language) for language in LOAD}


def query(prometheus: str, promql: str) -> list[dict]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=5)
    response.raise_for_status()
    return response.json()["data"]["result"]


@pytest.mark.engine
def test_prometheus_reads_the_turns_and_their_latency_during_a_load(served_gateway, prometheus) -> None:
    before = turns_by_language(served_gateway)
    asyncio.run(send_load(served_gateway))
    expected = {language: before.get(language, 0) + PER_LANGUAGE for language in LOAD}

    def scraped_turns() -> dict[str, float]:
        rows = query(prometheus, 'sum by (language) (koliber_turns_total{channel="api"})')
        return {row["metric"]["language"]: float(row["value"][1]) for row in rows}
    wait_until(lambda: scraped_turns() == expected, timeout=15, what=f"Prometheus to see {expected} turns")

    for part in ("gateway", "engine"):
        p95 = query(prometheus, f'histogram_quantile(0.95, sum by (le) (koliber_turn_seconds_bucket{{part="{part}"}}))')
        assert p95 and 0 < float(p95[0]["value"][1]) < 60, p95
    assert query(prometheus, "koliber_queue_wait_limit_seconds"), "the queue's gauges are scraped too"
    assert [row["value"][1] for row in query(prometheus, "koliber_engine_up")] == ["1"]


def test_metrics_need_the_token(make_gateway, tmp_path) -> None:
    gateway = make_gateway(f"sqlite:///{tmp_path / 'koliber.db'}", KOLIBER_METRICS_TOKEN=TOKEN)
    gateway.add_agent("ola", ["pl", "en"])
    assert gateway.client.get("/metrics").status_code == 401
    assert gateway.client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = gateway.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert 'koliber_agents_available{language="pl"} 1.0' in answer.text
    assert f'koliber_engine_up{{engine="{DEAD_ENGINE.url}"}} 0.0' in answer.text  # seen before anyone writes


def test_production_without_a_token_serves_no_metrics(twilio_cloud, tmp_path) -> None:
    settings = gateway_settings(f"sqlite:///{tmp_path / 'koliber.db'}", DEAD_ENGINE, ALWAYS_OPEN, twilio_cloud)
    assert scrape_token(settings) == DEV_PLACEHOLDER  # development: the placeholder, like the other secrets
    production = settings.model_copy(update={"environment": "production"})
    assert scrape_token(production) is None
    assert scrape_token(production.model_copy(update={"metrics_token": DEV_PLACEHOLDER})) is None
    assert scrape_token(production.model_copy(update={"metrics_token": TOKEN})) == TOKEN
