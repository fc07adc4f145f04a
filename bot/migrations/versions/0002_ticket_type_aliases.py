"""Ticket types carry the words visitors use for them ("học sinh", "kids"), read by the booking form.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_types") as batch:
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("ticket_types") as batch:
        batch.drop_column("aliases")
