"""Action tests: real actions against the real demo-shop database, with a collecting dispatcher."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml

from actions.shop_access import use_shop, use_verification_guard
from bot.settings import PROJECT_ROOT
from tests.conftest import FIXED_NOW


class ManualClock:
    """The time the verification guard sees; a test moves it on by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FIXED_NOW)


@pytest.fixture
def shop_for_actions(shop, clock):
    use_shop(shop)
    use_verification_guard(shop._sessions, clock)
    yield shop
    use_shop(None)
    use_verification_guard(None)
