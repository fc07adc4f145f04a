"""Messages the bot sends first (issue 21): one row per booking and kind of notice (the e-ticket after a payment,
the reminder the day before, the expired hold), claimed by whichever job or replica inserts it first, so that each
is sent once; and the conversations that turned reminders off.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("booking_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("detail", sa.String(length=200)),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_code", "kind", name="uq_booking_notices_code_kind"),
    )
    op.create_index("ix_booking_notices_status", "booking_notices", ["status"])
    op.create_table(
        "reminder_optouts",
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id"),
    )
    op.create_table(
        "pending_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_replies_sender_id", "pending_replies", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_replies_sender_id", table_name="pending_replies")
    op.drop_table("pending_replies")
    op.drop_table("reminder_optouts")
    op.drop_index("ix_booking_notices_status", table_name="booking_notices")
    op.drop_table("booking_notices")
