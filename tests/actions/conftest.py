"""Action tests: real actions against the real demo-shop database, with a collecting dispatcher."""

from typing import Any

import pytest
import yaml

from actions.shop_access import use_shop, use_verification_guard
from bot.settings import PROJECT_ROOT
from testing.clock import ManualClock
from tests.conftest import FIXED_NOW


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
