"""privacy: erasure records and retention

Revision ID: 0008_privacy
Revises: 0007_outbox
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0008_privacy"
down_revision = "0007_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("audit_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("actor", sa.String(length=100), nullable=False),
    sa.Column("agent_id", sa.Integer(), nullable=True),
    sa.Column("action", sa.String(length=32), nullable=False),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_audit_log_agent_id_agents")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log"))
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)

    op.create_table("anonymised_conversations",
    sa.Column("conversation_id", sa.String(length=36), nullable=False),
    sa.Column("reason", sa.Enum("erasure", "retention", name="anonymisationreason", native_enum=False, length=16),
              nullable=False),
    sa.Column("anonymised_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("engine_forgotten_at", UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                            name=op.f("fk_anonymised_conversations_conversation_id_conversations")),
    sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_anonymised_conversations"))
    )
    with op.batch_alter_table("anonymised_conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anonymised_conversations_engine_forgotten_at"), ["engine_forgotten_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("anonymised_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anonymised_conversations_engine_forgotten_at"))

    op.drop_table("anonymised_conversations")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_agent_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
