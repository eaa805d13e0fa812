"""channels: per-conversation de-duplication of widget messages and single-use call stream tokens

Revision ID: 0010_channel_security
Revises: 0009_verification_guard
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0010_channel_security"
down_revision = "0009_verification_guard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_message_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_messages_conversation_id_client_message_id"),
                                          ["conversation_id", "client_message_id"])
    # Widget ids were kept as provider ids, unique across every conversation: move them.
    op.execute("UPDATE messages SET client_message_id = external_id, external_id = NULL WHERE channel = 'web'")

    op.create_table("call_streams",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("call_sid", sa.String(length=64), nullable=False),
    sa.Column("caller", sa.String(length=32), nullable=True),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("survey_call_id", sa.Integer(), nullable=True),
    sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("used_at", UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_call_streams")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_call_streams_token_hash"))
    )


def downgrade() -> None:
    op.drop_table("call_streams")
    op.execute("UPDATE messages SET external_id = client_message_id WHERE channel = 'web'")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_messages_conversation_id_client_message_id"), type_="unique")
        batch_op.drop_column("client_message_id")
