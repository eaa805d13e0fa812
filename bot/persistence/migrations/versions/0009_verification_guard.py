"""verification: failed attempts counted per order and contact

Revision ID: 0009_verification_guard
Revises: 0008_privacy
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0009_verification_guard"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("verification_attempts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("order_number", sa.String(length=32), nullable=False),
    sa.Column("conversation_id", sa.String(length=64), nullable=False),
    sa.Column("client", sa.String(length=200), nullable=True),
    sa.Column("succeeded", sa.Boolean(), nullable=False),
    sa.Column("attempted_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_attempts"))
    )
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_attempts_attempted_at"), ["attempted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_attempts_client"), ["client"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_attempts_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_attempts_order_number"), ["order_number"], unique=False)

    op.create_table("verification_locks",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("order", "client", name="lockkind", native_enum=False, length=16), nullable=False),
    sa.Column("subject", sa.String(length=200), nullable=False),
    sa.Column("locked_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("locked_until", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_locks"))
    )
    with op.batch_alter_table("verification_locks", schema=None) as batch_op:
        batch_op.create_index("ix_verification_locks_kind_subject", ["kind", "subject"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verification_locks", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_locks_kind_subject")

    op.drop_table("verification_locks")
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_attempts_order_number"))
        batch_op.drop_index(batch_op.f("ix_verification_attempts_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_verification_attempts_client"))
        batch_op.drop_index(batch_op.f("ix_verification_attempts_attempted_at"))

    op.drop_table("verification_attempts")
