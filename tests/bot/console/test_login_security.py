"""Console log-in: failed log-ins throttled per username and per address (in the database, refused before
any password is hashed), a new session on every log-in, and expired sessions cleared away."""

from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.console.auth import SESSION_COOKIE
from bot.handoff import agents
from bot.models.handoff import AgentSession, LoginFailure
from tests.bot.console.console_client import ConsoleBrowser, log_in

PASSWORD = "agent-password"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingHasher(PasswordHasher):
    """Argon2 as the console uses it, counting every hash and verification it computes."""

    def __init__(self) -> None:
        super().__init__()
        self.computed = 0

    def hash(self, *args, **kwargs) -> str:
        self.computed += 1
        return super().hash(*args, **kwargs)

    def verify(self, *args, **kwargs) -> bool:
        self.computed += 1
        return super().verify(*args, **kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(make_gateway, database_url, clock):
    gateway = make_gateway(database_url, clock=clock)
    gateway.add_agent("ola", ["pl"])
    gateway.add_agent("ewa", ["pl", "en"])
    return gateway


@pytest.fixture
def argon2(monkeypatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(agents, "_hasher", hasher)
    return hasher


def statuses(client, attempts: list[tuple[str, str]]) -> list[int]:
    return [log_in(client, username, password).status_code for username, password in attempts]


def test_five_failures_lock_a_username_for_fifteen_minutes_and_locked_guesses_cost_no_hashing(desk, clock, argon2):
    # Unknown and known usernames cost the same Argon2 work, so failures do not tell which exist.
    assert statuses(desk.client, [("nobody", "guess")]) == [401] and argon2.computed == 1
    assert statuses(desk.client, [("ola", "guess")]) == [401] and argon2.computed == 2
    assert statuses(desk.client, [("ola", PASSWORD)]) == [303]  # forgives her failures so far
    assert statuses(desk.client, [("ola", "guess")] * 4 + [("ola", PASSWORD)]) == [401] * 4 + [303]

    assert statuses(desk.client, [("ola", "guess")] * 5) == [401] * 5
    argon2.computed = 0
    locked = log_in(desk.client, "ola", PASSWORD)
    assert locked.status_code == 429 and SESSION_COOKIE not in locked.cookies
    assert "Too many failed sign-ins" in locked.text and "15 minutes" in locked.text
    assert locked.headers["Retry-After"] == str(15 * 60)
    assert statuses(desk.client, [("ola", "guess"), ("ola", PASSWORD)]) == [429, 429]
    assert argon2.computed == 0

    # The lock is the username's: others log in from the same address. An unknown name locks too.
    assert statuses(desk.client, [("ewa", PASSWORD)]) == [303]
    assert statuses(desk.client, [("nobody", "guess")] * 5) == [401] * 4 + [429]

    clock.advance(minutes=14, seconds=59)
    assert statuses(desk.client, [("ola", PASSWORD)]) == [429]
    clock.advance(seconds=1)
    assert statuses(desk.client, [("ola", PASSWORD)]) == [303]


def test_twenty_failures_from_one_address_lock_it_for_every_username(desk, clock, argon2):
    assert statuses(desk.client, [(f"guess{i}", "guess") for i in range(5) for _ in range(4)]) == [401] * 20
    argon2.computed = 0
    assert statuses(desk.client, [("ola", PASSWORD), ("ewa", PASSWORD)]) == [429, 429]
    assert argon2.computed == 0
    elsewhere = TestClient(desk.client.app, client=("198.51.100.7", 50000))
    assert statuses(elsewhere, [("ola", PASSWORD)]) == [303]
    clock.advance(minutes=15)
    assert statuses(desk.client, [("ewa", PASSWORD)]) == [303]


def test_an_ipv6_client_cannot_dodge_the_lock_with_other_addresses_of_its_network(desk):
    for host in range(1, 21):
        assert statuses(TestClient(desk.client.app, client=(f"2001:db8:0:1::{host:x}", 50000)),
                        [(f"guess{host % 5}", "guess")]) == [401]
    assert statuses(TestClient(desk.client.app, client=("2001:db8:0:1::ffff", 50000)), [("ola", PASSWORD)]) == [429]
    assert statuses(TestClient(desk.client.app, client=("2001:db8:0:2::1", 50000)), [("ola", PASSWORD)]) == [303]


def test_logging_in_ends_the_session_the_browser_came_with(desk):
    planted = log_in(desk.client, "ola", PASSWORD).cookies[SESSION_COOKIE]  # someone's session id in Ewa's browser
    response = log_in(desk.client, "ewa", PASSWORD, Cookie=f"{SESSION_COOKIE}={planted}")
    assert response.status_code == 303 and response.cookies[SESSION_COOKIE] != planted
    assert ConsoleBrowser(desk.client, planted).get("/console/api/queue").status_code == 401
    assert ConsoleBrowser(desk.client, response.cookies[SESSION_COOKIE]).get("/console/api/queue").status_code == 200


def test_expired_sessions_and_stale_failures_are_deleted_at_the_next_log_in(desk, clock):
    assert statuses(desk.client, [("ola", PASSWORD), ("nobody", "guess")]) == [303, 401]
    clock.advance(hours=12)  # KOLIBER_AGENT_SESSION_HOURS: Ola's session has ended
    assert statuses(desk.client, [("ewa", PASSWORD)]) == [303]
    with desk.sessions() as session:
        assert session.scalars(select(AgentSession.created_at)).all() == [clock.now]  # only Ewa's new one
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0
