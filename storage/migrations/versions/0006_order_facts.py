"""order facts: one row per order for the shipping metrics, backfilled from the stored rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.order_facts import rebuild_order_facts

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    'account_id', 'amazon_order_id', 'order_date', 'channel', 'items', 'first_sku', 'latest_ship_at',
    'cancelled_items', 'awaiting_items', 'cancel_seen_at', 'last_updated_at', 'first_confirmed_at',
    'template_expected_ship_date', 'carrier', 'cancelled_at', 'may_be_late',
)


def upgrade() -> None:
    op.create_table(
        'order_facts',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('amazon_order_id', sa.String(length=64), nullable=False),
        sa.Column('order_date', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=3), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('first_sku', sa.String(length=100), nullable=False),
        sa.Column('latest_ship_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('cancelled_items', sa.Integer(), nullable=False),
        sa.Column('awaiting_items', sa.Integer(), nullable=False),
        sa.Column('cancel_seen_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('first_confirmed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('template_expected_ship_date', sa.Date(), nullable=True),
        sa.Column('carrier', sa.String(length=64), nullable=True),
        sa.Column('cancelled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('may_be_late', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_order_facts_account_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'amazon_order_id', name=op.f('pk_order_facts')),
    )
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        batch_op.create_index('ix_order_facts_by_date', ['account_id', 'order_date', 'channel'], unique=False)
        batch_op.create_index('ix_order_facts_by_ship_by', ['account_id', 'channel', 'latest_ship_at', 'order_date'], unique=False)
        batch_op.create_index('ix_order_facts_late_candidates', ['account_id', 'may_be_late', 'order_date'], unique=False)
        batch_op.create_index('ix_order_facts_cancelled', ['account_id', 'order_date'], unique=False, sqlite_where=sa.text('cancel_seen_at IS NOT NULL'), postgresql_where=sa.text('cancel_seen_at IS NOT NULL'))
    # The facts of what is already stored (a database without orders gets an empty table at once), in
    # this revision's columns (later ones add more).
    rebuild_order_facts(op.get_bind(), columns=COLUMNS, day_counts=False)


def downgrade() -> None:
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_order_facts_cancelled', sqlite_where=sa.text('cancel_seen_at IS NOT NULL'), postgresql_where=sa.text('cancel_seen_at IS NOT NULL'))
        batch_op.drop_index('ix_order_facts_late_candidates')
        batch_op.drop_index('ix_order_facts_by_ship_by')
        batch_op.drop_index('ix_order_facts_by_date')
    op.drop_table('order_facts')
