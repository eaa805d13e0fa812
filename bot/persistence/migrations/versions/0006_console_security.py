"""console: login throttling

Revision ID: 0006_console_security
Revises: 0005_trainer
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0006_console_security"
down_revision = "0005_trainer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("login_failures",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("address", sa.String(length=64), nullable=False),
    sa.Column("failed_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures"))
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_username_failed_at", ["username", "failed_at"], unique=False)
        batch_op.create_index("ix_login_failures_address_failed_at", ["address", "failed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_failed_at"), ["failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_failed_at"))
        batch_op.drop_index("ix_login_failures_address_failed_at")
        batch_op.drop_index("ix_login_failures_username_failed_at")

    op.drop_table("login_failures")
