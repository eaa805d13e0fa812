"""voice calls: a conversation's call, speech confidence and what the caller heard

Revision ID: 0003_voice_calls
Revises: 0002_conversations
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_voice_calls"
down_revision = "0002_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("call_sid", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_conversations_call_sid"), ["call_sid"])
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("speech_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("heard_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("heard_text")
        batch_op.drop_column("speech_confidence")
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_conversations_call_sid"), type_="unique")
        batch_op.drop_column("call_sid")
