"""answer claims: the gateway answering a customer message holds it until a time, so a gateway that
starts (or sweeps) meanwhile does not answer it too; an index for the few never answered

Revision ID: 0015_answer_claims
Revises: 0014_console_settings
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0015_answer_claims"
down_revision = "0014_console_settings"
branch_labels = None
depends_on = None

UNANSWERED = sa.text("handled_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answering_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("answering_until", UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_messages_unanswered", ["created_at"], unique=False,
                              postgresql_where=UNANSWERED, sqlite_where=UNANSWERED)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_unanswered", postgresql_where=UNANSWERED, sqlite_where=UNANSWERED)
        batch_op.drop_column("answering_until")
        batch_op.drop_column("answering_by")
