"""console settings: the shop owner's settings and their audit log, deactivated agents, one-time
password links

Revision ID: 0014_console_settings
Revises: 0013_shop_platforms
"""

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision = "0014_console_settings"
down_revision = "0013_shop_platforms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("shop_settings",
    sa.Column("section", sa.String(length=32), nullable=False),
    sa.Column("value", sa.JSON(), nullable=False),
    sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("section", name=op.f("pk_shop_settings"))
    )
    op.create_table("setting_changes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("section", sa.String(length=32), nullable=False),
    sa.Column("field", sa.String(length=100), nullable=False),
    sa.Column("old_value", sa.Text(), nullable=False),
    sa.Column("new_value", sa.Text(), nullable=False),
    sa.Column("agent_id", sa.Integer(), nullable=True),
    sa.Column("actor", sa.String(length=100), nullable=False),
    sa.Column("changed_at", UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_setting_changes_agent_id_agents")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_changes"))
    )
    with op.batch_alter_table("setting_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setting_changes_changed_at"), ["changed_at"], unique=False)
    op.create_table("password_links",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("agent_id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
    sa.Column("used_at", UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_password_links_agent_id_agents")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_password_links_token_hash"))
    )
    with op.batch_alter_table("password_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_links_agent_id"), ["agent_id"], unique=False)
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("active")
    with op.batch_alter_table("password_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_links_agent_id"))
    op.drop_table("password_links")
    with op.batch_alter_table("setting_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_setting_changes_changed_at"))
    op.drop_table("setting_changes")
    op.drop_table("shop_settings")
