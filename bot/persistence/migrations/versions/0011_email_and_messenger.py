"""e-mail and Messenger: threads' subjects, senders proven by their mail server or the phone
network, attachments, and provider ids as long as an e-mail's Message-ID

Revision ID: 0011_email_and_messenger
Revises: 0010_channel_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_email_and_messenger"
down_revision = "0010_channel_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.alter_column("address", existing_type=sa.String(length=128), type_=sa.String(length=254))
        batch_op.add_column(sa.Column("subject", sa.String(length=255), nullable=True))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("external_id", existing_type=sa.String(length=64), type_=sa.String(length=255))
        batch_op.add_column(sa.Column("proven_sender", sa.String(length=254), nullable=True))
        # An e-mail's subject and text go to the engine together.
        batch_op.alter_column("payload", existing_type=sa.String(length=200), type_=sa.Text())

    with op.batch_alter_table("outbox", schema=None) as batch_op:  # Meta's message ids run to ~110 characters
        batch_op.alter_column("provider_id", existing_type=sa.String(length=64), type_=sa.String(length=255))
    with op.batch_alter_table("call_streams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_attested", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table("attachments",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("message_id", sa.Integer(), nullable=False),
    sa.Column("filename", sa.String(length=255), nullable=False),
    sa.Column("content_type", sa.String(length=127), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=True),
    sa.Column("refused", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_attachments_message_id_messages"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments"))
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_message_id"))
    op.drop_table("attachments")
    with op.batch_alter_table("call_streams", schema=None) as batch_op:
        batch_op.drop_column("caller_attested")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("provider_id", existing_type=sa.String(length=255), type_=sa.String(length=64))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("proven_sender")
        batch_op.alter_column("payload", existing_type=sa.Text(), type_=sa.String(length=200))
        batch_op.alter_column("external_id", existing_type=sa.String(length=255), type_=sa.String(length=64))
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("subject")
        batch_op.alter_column("address", existing_type=sa.String(length=254), type_=sa.String(length=128))
