"""Where actions get the shop service and the conversation's language from."""

from typing import Any

from rasa_sdk import Tracker

from bot.persistence.database import default_engine, session_factory
from bot.settings import get_settings
from bot.shop.policy import cached_policy
from bot.shop.service import ShopService, SqlShopService

_service: ShopService | None = None


def shop() -> ShopService:
    """The shop the actions talk to: the SQL shop of the configured database unless a test set one."""
    global _service
    if _service is None:
        settings = get_settings()
        _service = SqlShopService(session_factory(default_engine()), cached_policy(settings.shop_policy_path))
    return _service


def use_shop(service: ShopService | None) -> None:
    global _service
    _service = service


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in ("pl", "en") else get_settings().default_language


def conversation_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}
