"""Action tests: real actions against the real demo-shop database, with a collecting dispatcher."""

from typing import Any

import pytest
import yaml

from actions.shop_access import use_shop
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def shop_for_actions(shop):
    use_shop(shop)
    yield shop
    use_shop(None)
