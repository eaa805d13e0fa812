"""trainer: the review inbox's decisions and the trainers' audit log

Revision ID: 0005_trainer
Revises: 0004_surveys
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0005_trainer"
down_revision = "0004_surveys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("trainer_audit_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("agent_id", sa.Integer(), nullable=False),
    sa.Column("action", sa.String(length=32), nullable=False),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_trainer_audit_log_agent_id_agents")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_trainer_audit_log"))
    )
    with op.batch_alter_table("trainer_audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trainer_audit_log_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trainer_audit_log_created_at"), ["created_at"], unique=False)

    op.create_table("review_decisions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("message_id", sa.Integer(), nullable=False),
    sa.Column("action", sa.Enum("labelled", "dismissed", name="reviewaction", native_enum=False, length=16), nullable=False),
    sa.Column("intent", sa.String(length=64), nullable=True),
    sa.Column("example", sa.Text(), nullable=True),
    sa.Column("entities", sa.JSON(), nullable=False),
    sa.Column("target_file", sa.String(length=255), nullable=True),
    sa.Column("agent_id", sa.Integer(), nullable=False),
    sa.Column("decided_at", UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_review_decisions_agent_id_agents")),
    sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_review_decisions_message_id_messages")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    sa.UniqueConstraint("message_id", name=op.f("uq_review_decisions_message_id"))
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decisions_agent_id"), ["agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_agent_id"))

    op.drop_table("review_decisions")
    with op.batch_alter_table("trainer_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trainer_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_trainer_audit_log_agent_id"))

    op.drop_table("trainer_audit_log")
