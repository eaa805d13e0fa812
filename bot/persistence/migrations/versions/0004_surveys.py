"""surveys: NPS survey calls, their attempts, applied status callbacks and opt-outs

Revision ID: 0004_surveys
Revises: 0003_voice_calls
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0004_surveys"
down_revision = "0003_voice_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("survey_call_events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("call_sid", sa.String(length=64), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("received_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_call_events")),
    sa.UniqueConstraint("call_sid", "status", name="uq_survey_call_events_call_status")
    )
    op.create_table("survey_opt_outs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=32), nullable=False),
    sa.Column("customer_id", sa.Integer(), nullable=True),
    sa.Column("source", sa.String(length=16), nullable=False),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_survey_opt_outs_customer_id_customers")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_opt_outs")),
    sa.UniqueConstraint("phone", name=op.f("uq_survey_opt_outs_phone"))
    )
    op.create_table("surveys",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("order_id", sa.Integer(), nullable=False),
    sa.Column("customer_id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=32), nullable=False),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("time_zone", sa.String(length=64), nullable=False),
    sa.Column("state", sa.Enum("scheduled", "calling", "finished", name="surveystate", native_enum=False, length=16), nullable=False),
    sa.Column("outcome", sa.Enum("completed", "refused", "opted_out", "incomplete", "voicemail", "no_answer", "failed", name="surveyoutcome", native_enum=False, length=16), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("score", sa.Integer(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("answered_via", sa.String(length=8), nullable=True),
    sa.Column("callback_requested", sa.Boolean(), nullable=False),
    sa.Column("ticket_id", sa.Integer(), nullable=True),
    sa.Column("link_token_hash", sa.String(length=64), nullable=True),
    sa.Column("link_sent_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("link_conversation_id", sa.String(length=36), nullable=True),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("finished_at", UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_surveys_customer_id_customers")),
    sa.ForeignKeyConstraint(["link_conversation_id"], ["conversations.id"], name=op.f("fk_surveys_link_conversation_id_conversations")),
    sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_surveys_order_id_orders")),
    sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_surveys_ticket_id_tickets")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    sa.UniqueConstraint("link_token_hash", name=op.f("uq_surveys_link_token_hash")),
    sa.UniqueConstraint("order_id", name=op.f("uq_surveys_order_id"))
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_state"), ["state"], unique=False)

    op.create_table("survey_calls",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("survey_id", sa.Integer(), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("call_sid", sa.String(length=64), nullable=True),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("answered_by", sa.String(length=32), nullable=True),
    sa.Column("conversation_id", sa.String(length=36), nullable=True),
    sa.Column("placed_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("ended_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("duration_seconds", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], name=op.f("fk_survey_calls_conversation_id_conversations")),
    sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_calls_survey_id_surveys")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_calls")),
    sa.UniqueConstraint("call_sid", name=op.f("uq_survey_calls_call_sid"))
    )
    with op.batch_alter_table("survey_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_calls_survey_id"), ["survey_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("survey_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_calls_survey_id"))

    op.drop_table("survey_calls")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_state"))
        batch_op.drop_index(batch_op.f("ix_surveys_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_surveys_customer_id"))

    op.drop_table("surveys")
    op.drop_table("survey_opt_outs")
    op.drop_table("survey_call_events")
