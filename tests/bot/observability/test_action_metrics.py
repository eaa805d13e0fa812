"""The action server's Prometheus metrics: `/metrics` is closed without the actions token, and with
it Prometheus reads how long each action a customer's turn ran took."""

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.engine


def _action_runs(stack, action: str) -> float:
    """How many runs of `action` the action server's latency histogram holds."""
    scraped = httpx.get(f"{stack.actions_url}/metrics", headers={"Authorization": f"Bearer {stack.actions_token}"},
                        timeout=10)
    assert scraped.status_code == 200
    return sum(sample.value for family in text_string_to_metric_families(scraped.text)
               if family.name == "koliber_action_seconds" for sample in family.samples
               if sample.name == "koliber_action_seconds_count" and sample.labels["action"] == action)


def test_the_action_servers_metrics_time_each_action_behind_the_token(stack):
    for headers in ({}, {"Authorization": "Bearer guessed"}):
        refused = httpx.get(f"{stack.actions_url}/metrics", headers=headers, timeout=10)
        assert refused.status_code == 401 and "koliber_action_seconds" not in refused.text

    before = _action_runs(stack, "action_return_policy")
    stack.conversation(language="en").say("what's your return policy?")
    assert _action_runs(stack, "action_return_policy") == before + 1
