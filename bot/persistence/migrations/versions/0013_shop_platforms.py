"""shop platforms: orders cached from WooCommerce, Shopify or BaseLinker, how far the platform's
event journal has been read, and delay notices and surveys kept by order number (a platform's order
has no row in the demo tables), surveys with their order's product categories

Revision ID: 0013_shop_platforms
Revises: 0012_know_and_act
"""

import json

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0013_shop_platforms"
down_revision = "0012_know_and_act"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("platform_order_cache",
    sa.Column("platform", sa.String(length=16), nullable=False),
    sa.Column("number", sa.String(length=64), nullable=False),
    sa.Column("data", sa.Text(), nullable=False),
    sa.Column("fetched_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("platform", "number", name=op.f("pk_platform_order_cache"))
    )
    with op.batch_alter_table("platform_order_cache", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_order_cache_fetched_at"), ["fetched_at"], unique=False)
    op.create_table("platform_journal_positions",
    sa.Column("platform", sa.String(length=16), nullable=False),
    sa.Column("last_event_id", sa.BigInteger(), nullable=False),
    sa.Column("read_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("platform", name=op.f("pk_platform_journal_positions"))
    )

    with op.batch_alter_table("delay_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_number", sa.String(length=64), nullable=True))
    op.execute("UPDATE delay_notices SET order_number = "
               "(SELECT orders.number FROM orders WHERE orders.id = delay_notices.order_id)")
    with op.batch_alter_table("delay_notices", schema=None) as batch_op:
        batch_op.alter_column("order_number", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint("uq_delay_notices_order_id_cause", type_="unique")
        batch_op.drop_constraint("fk_delay_notices_order_id_orders", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_delay_notices_order_id"))
        batch_op.drop_column("order_id")
        batch_op.create_unique_constraint("uq_delay_notices_order_number_cause", ["order_number", "cause"])
        batch_op.create_index(batch_op.f("ix_delay_notices_order_number"), ["order_number"], unique=False)


    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for survey_id, number in connection.execute(sa.text(
            "SELECT surveys.id, orders.number FROM surveys JOIN orders ON orders.id = surveys.order_id")).all():
        categories = sorted(connection.execute(sa.text(
            "SELECT DISTINCT order_items.category FROM order_items JOIN surveys ON surveys.order_id = "
            "order_items.order_id WHERE surveys.id = :id"), {"id": survey_id}).scalars())
        connection.execute(sa.text("UPDATE surveys SET order_number = :number, categories = :categories "
                                   "WHERE id = :id"),
                           {"number": number, "categories": json.dumps(categories), "id": survey_id})
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.alter_column("order_number", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("categories", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("uq_surveys_order_id", type_="unique")
        batch_op.drop_constraint("fk_surveys_order_id_orders", type_="foreignkey")
        batch_op.drop_column("order_id")
        batch_op.create_unique_constraint(batch_op.f("uq_surveys_order_number"), ["order_number"])


def downgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
    op.execute("UPDATE surveys SET order_id = (SELECT orders.id FROM orders WHERE orders.number = surveys.order_number)")
    op.execute("DELETE FROM survey_calls WHERE survey_id IN (SELECT id FROM surveys WHERE order_id IS NULL)")
    op.execute("DELETE FROM surveys WHERE order_id IS NULL")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_surveys_order_number"), type_="unique")
        batch_op.drop_column("order_number")
        batch_op.drop_column("categories")
        batch_op.alter_column("order_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_surveys_order_id_orders", "orders", ["order_id"], ["id"])
        batch_op.create_unique_constraint("uq_surveys_order_id", ["order_id"])
    with op.batch_alter_table("delay_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
    # Notices of a platform's orders have no row to point to: they go.
    op.execute("UPDATE delay_notices SET order_id = "
               "(SELECT orders.id FROM orders WHERE orders.number = delay_notices.order_number)")
    op.execute("DELETE FROM delay_notices WHERE order_id IS NULL")
    with op.batch_alter_table("delay_notices", schema=None) as batch_op:
        batch_op.alter_column("order_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_delay_notices_order_number"))
        batch_op.drop_constraint("uq_delay_notices_order_number_cause", type_="unique")
        batch_op.drop_column("order_number")
        batch_op.create_foreign_key("fk_delay_notices_order_id_orders", "orders", ["order_id"], ["id"])
        batch_op.create_unique_constraint("uq_delay_notices_order_id_cause", ["order_id", "cause"])
        batch_op.create_index(batch_op.f("ix_delay_notices_order_id"), ["order_id"], unique=False)
    op.drop_table("platform_journal_positions")
    with op.batch_alter_table("platform_order_cache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_order_cache_fetched_at"))
    op.drop_table("platform_order_cache")
