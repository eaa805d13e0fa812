"""Imports every model module so Base.metadata knows all tables (for Alembic and tests)."""

from bot.conversations import models as conversation_models  # noqa: F401
from bot.conversations import outbox as outbox_models  # noqa: F401
from bot.handoff import models as handoff_models  # noqa: F401
from bot.privacy import models as privacy_models  # noqa: F401
from bot.shop import models as shop_models  # noqa: F401
from bot.shop import verification_guard as verification_guard_models  # noqa: F401
from bot.surveys import models as survey_models  # noqa: F401
from bot.trainer import review_models as trainer_models  # noqa: F401
