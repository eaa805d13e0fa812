"""Imports every model module so Base.metadata knows all tables (for Alembic and tests)."""

from bot.shop import models as shop_models  # noqa: F401
