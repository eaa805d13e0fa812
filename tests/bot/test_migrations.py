"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import bot.models  # noqa: F401  (registers every table)
from db.base import Base


def test_migrated_schema_matches_the_models(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []


def test_all_shop_tables_exist(migrated_engine):
    tables = set(inspect(migrated_engine).get_table_names())
    assert {"customers", "orders", "order_items", "payments", "shipments", "tracking_events",
            "returns", "return_items", "refunds", "invoices", "complaint_cases"} <= tables
