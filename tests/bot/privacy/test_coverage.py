"""Every table is either searched and erased for a person, or listed as holding no customer data:
a table added without a decision fails here."""

from bot.persistence import models_registry  # noqa: F401  (registers every model's table)
from bot.persistence.base import Base
from bot.privacy.finder import OTHER_TABLES, PERSONAL_TABLES


def test_every_table_is_handled_or_declared_free_of_customer_data():
    tables = set(Base.metadata.tables)
    undecided = tables - PERSONAL_TABLES.keys() - OTHER_TABLES.keys()
    assert not undecided, f"say in bot/privacy/finder.py what an erasure does to {sorted(undecided)}"
    assert not PERSONAL_TABLES.keys() & OTHER_TABLES.keys()
    assert not (PERSONAL_TABLES.keys() | OTHER_TABLES.keys()) - tables, "a listed table no longer exists"
