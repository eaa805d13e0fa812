"""know and act: CSAT ratings and opt-outs, delay notices, the seeded demo history's label, and
tickets offered first to the agent who last served the customer, refunds an agent's click asked for
(their reference) and invoices sent again

Revision ID: 0012_know_and_act
Revises: 0011_email_and_messenger
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0012_know_and_act"
down_revision = "0011_email_and_messenger"
branch_labels = None
depends_on = None

CHANNEL = sa.Enum("web", "sms", "whatsapp", "api", "voice", "email", "messenger", name="channel",
                  native_enum=False, length=16)


def upgrade() -> None:
    # --- the demo history's label --------------------------------------------------------------
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_conversations_demo"), ["demo"], unique=False)
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))

    # --- same agent again ------------------------------------------------------------------------
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offered_to_agent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("offered_until", UtcDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_tickets_offered_to_agent_id_agents"), "agents",
                                    ["offered_to_agent_id"], ["id"])

    # --- empowered agents: refunds an agent's click asked for, invoices sent again -----------------
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_refunds_reference"), ["reference"])
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resent_at", UtcDateTime(timezone=True), nullable=True))

    # --- CSAT --------------------------------------------------------------------------------------
    op.create_table("ratings",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("conversation_id", sa.String(length=36), nullable=False),
    sa.Column("ticket_id", sa.Integer(), nullable=True),
    sa.Column("channel", CHANNEL, nullable=False),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("address", sa.String(length=254), nullable=True),
    sa.Column("link_token_hash", sa.String(length=64), nullable=True),
    sa.Column("asked_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("score", sa.Integer(), nullable=True),
    sa.Column("comment", sa.Text(), nullable=True),
    sa.Column("answered_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("follow_up_ticket_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                            name=op.f("fk_ratings_conversation_id_conversations")),
    sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ratings_ticket_id_tickets")),
    sa.ForeignKeyConstraint(["follow_up_ticket_id"], ["tickets.id"],
                            name=op.f("fk_ratings_follow_up_ticket_id_tickets")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    sa.UniqueConstraint("link_token_hash", name=op.f("uq_ratings_link_token_hash"))
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_asked_at"), ["asked_at"], unique=False)

    op.create_table("contact_opt_outs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("address", sa.String(length=254), nullable=False),
    sa.Column("topic", sa.String(length=16), nullable=False),
    sa.Column("channel", CHANNEL, nullable=False),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_opt_outs")),
    sa.UniqueConstraint("address", "topic", name="uq_contact_opt_outs_address_topic")
    )

    # --- delay notices -----------------------------------------------------------------------------
    op.create_table("delay_notices",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("order_id", sa.Integer(), nullable=False),
    sa.Column("cause", sa.Enum("past_expected_date", "no_tracking", "carrier_exception", "waiting_for_stock",
                               name="delaycause", native_enum=False, length=24), nullable=False),
    sa.Column("state", sa.Enum("planned", "sent", "skipped", name="noticestate", native_enum=False, length=16),
              nullable=False),
    sa.Column("channel", CHANNEL, nullable=True),
    sa.Column("address", sa.String(length=254), nullable=True),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("new_expected_date", sa.Date(), nullable=True),
    sa.Column("text", sa.Text(), nullable=True),
    sa.Column("skipped_reason", sa.String(length=32), nullable=True),
    sa.Column("conversation_id", sa.String(length=36), nullable=True),
    sa.Column("found_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("sent_at", UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_delay_notices_order_id_orders")),
    sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                            name=op.f("fk_delay_notices_conversation_id_conversations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_delay_notices")),
    sa.UniqueConstraint("order_id", "cause", name="uq_delay_notices_order_id_cause")
    )
    with op.batch_alter_table("delay_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delay_notices_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delay_notices_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_delay_notices_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_table("delay_notices")
    op.drop_table("contact_opt_outs")
    op.drop_table("ratings")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("resent_at")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_refunds_reference"), type_="unique")
        batch_op.drop_column("reference")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_offered_to_agent_id_agents"), type_="foreignkey")
        batch_op.drop_column("offered_until")
        batch_op.drop_column("offered_to_agent_id")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("demo")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_demo"))
        batch_op.drop_column("demo")
