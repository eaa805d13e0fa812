"""The gateway's tables, one module per feature. Importing the package registers every table of
Koliber's database (the gateway's and the shop's) on Base.metadata, for Alembic and the tests."""

from bot.models import conversation, feedback, handoff, notices, outbox, privacy, review, survey  # noqa: F401
from shop import models as shop_models  # noqa: F401
from shop import (
    owner_settings,  # noqa: F401
    verification_guard,  # noqa: F401
)
