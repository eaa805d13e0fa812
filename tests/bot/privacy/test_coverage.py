"""Every table is either searched and erased for a person, or listed as holding no customer data:
a table added without a decision fails here."""

import bot.models  # noqa: F401  (registers every table)
from bot.privacy.finder import OTHER_TABLES, PERSONAL_TABLES
from db.base import Base


def test_every_table_is_handled_or_declared_free_of_customer_data():
    tables = set(Base.metadata.tables)
    undecided = tables - PERSONAL_TABLES.keys() - OTHER_TABLES.keys()
    assert not undecided, f"say in bot/privacy/finder.py what an erasure does to {sorted(undecided)}"
    assert not PERSONAL_TABLES.keys() & OTHER_TABLES.keys()
    assert not (PERSONAL_TABLES.keys() | OTHER_TABLES.keys()) - tables, "a listed table no longer exists"
