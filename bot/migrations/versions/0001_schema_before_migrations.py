"""the schema before migrations (what create_all made)

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-30 13:09:30.402407
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=11), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('total_vnd', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_status'), ['status'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('website', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('hours', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_topic'), ['topic'], unique=False)

    op.create_table('knowledge_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('museum',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('procedures',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=True),
    sa.Column('audience', sa.Text(), nullable=True),
    sa.Column('online_level', sa.String(length=20), nullable=False),
    sa.Column('where', sa.Text(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=True),
    sa.Column('fee', sa.Text(), nullable=True),
    sa.Column('processing_time', sa.Text(), nullable=True),
    sa.Column('legal_basis', sa.JSON(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=True),
    sa.Column('offline', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sites',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('rank', sa.String(length=40), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('commune', sa.Text(), nullable=True),
    sa.Column('former_area', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('intro_vi', sa.Text(), nullable=False),
    sa.Column('intro_en', sa.Text(), nullable=True),
    sa.Column('opening_hours', sa.Text(), nullable=True),
    sa.Column('entry_fee', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('slot_counters',
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=11), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('visit_date', 'slot')
    )
    op.create_table('zalo_tokens',
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seed_hash', sa.String(length=64), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('app_id')
    )
    op.create_table('booking_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('ticket_type', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_vnd', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('booking_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_lines_booking_id'), ['booking_id'], unique=False)

    op.create_table('site_names',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('folded', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('site_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_names_folded'), ['folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_names_site_id'), ['site_id'], unique=False)

    op.create_table('ticket_types',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('museum_id', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('price_vnd', sa.Integer(), nullable=True),
    sa.Column('who', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['museum_id'], ['museum.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )



def downgrade() -> None:

    op.drop_table('ticket_types')
    with op.batch_alter_table('site_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_names_site_id'))
        batch_op.drop_index(batch_op.f('ix_site_names_folded'))

    op.drop_table('site_names')
    with op.batch_alter_table('booking_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_lines_booking_id'))

    op.drop_table('booking_lines')
    op.drop_table('zalo_tokens')
    op.drop_table('slot_counters')
    op.drop_table('sites')
    op.drop_table('procedures')
    op.drop_table('museum')
    op.drop_table('knowledge_versions')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_topic'))

    op.drop_table('contacts')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_status'))
        batch_op.drop_index(batch_op.f('ix_bookings_sender_id'))

    op.drop_table('bookings')

