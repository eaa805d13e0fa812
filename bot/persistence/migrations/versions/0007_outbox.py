"""outbox: outbound messages retried until delivered

Revision ID: 0007_outbox
Revises: 0006_console_security
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0007_outbox"
down_revision = "0006_console_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("outbox",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("message_id", sa.Integer(), nullable=False),
    sa.Column("conversation_id", sa.String(length=36), nullable=False),
    sa.Column("status", sa.Enum("pending", "sending", "sent", "failed", name="deliverystatus", native_enum=False, length=16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("lease_expires_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("last_attempt_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("provider_id", sa.String(length=64), nullable=True),
    sa.Column("error", sa.String(length=500), nullable=True),
    sa.Column("error_code", sa.String(length=32), nullable=True),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("sent_at", UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], name=op.f("fk_outbox_conversation_id_conversations"),
                            ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_outbox_message_id_messages"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id"))
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbox_conversation_message", ["conversation_id", "message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_conversation_message")
        batch_op.drop_index("ix_outbox_status_due")
    op.drop_table("outbox")
