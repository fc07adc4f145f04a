"""The national portal's procedure records (`qn-staff import-portal`, keyed by code) and the words people use
for procedures (knowledge/procedure_terms.yml).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_procedures",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("level", sa.JSON(), nullable=False),
        sa.Column("field", sa.Text()),
        sa.Column("agency", sa.Text()),
        sa.Column("authority", sa.Text()),
        sa.Column("address", sa.Text()),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("papers", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.Text()),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("decision", sa.Text()),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("source_date", sa.Date()),
        sa.Column("detailed", sa.Boolean(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_portal_procedures_source_file", "portal_procedures", ["source_file"])
    op.create_table(
        "procedure_terms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("means", sa.Text(), nullable=False),
        sa.Column("say", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("procedure_terms")
    op.drop_index("ix_portal_procedures_source_file", table_name="portal_procedures")
    op.drop_table("portal_procedures")
