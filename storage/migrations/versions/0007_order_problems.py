"""order facts: when each order was first refunded or asked about, and its earliest problem; covering indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.order_facts import rebuild_order_facts

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROBLEMS = sa.text('problem_at IS NOT NULL')
CANCELLED = sa.text('cancel_seen_at IS NOT NULL')
LATE = (
    'account_id', 'order_date', 'channel', 'may_be_late', 'items', 'cancelled_items', 'awaiting_items', 'latest_ship_at',
    'template_expected_ship_date', 'first_confirmed_at', 'cancel_seen_at', 'last_updated_at', 'cancelled_at',
    'carrier', 'amazon_order_id', 'first_sku', 'problem_at',
)
# This revision's columns (later ones may add more).
COLUMNS = (
    'account_id', 'amazon_order_id', 'order_date', 'channel', 'items', 'first_sku', 'latest_ship_at',
    'cancelled_items', 'awaiting_items', 'cancel_seen_at', 'last_updated_at', 'first_confirmed_at',
    'template_expected_ship_date', 'carrier', 'cancelled_at', 'may_be_late', 'first_message_at',
    'first_refund_at', 'refund_return_on', 'problem_at',
)
PROBLEM = (
    'account_id', 'order_date', 'problem_at', 'amazon_order_id', 'first_sku', 'cancel_seen_at', 'cancelled_at',
    'first_refund_at', 'refund_return_on', 'first_message_at',
)


def upgrade() -> None:
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_message_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_refund_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refund_return_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('problem_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_order_facts_late_candidates')
        batch_op.drop_index('ix_order_facts_cancelled', sqlite_where=CANCELLED, postgresql_where=CANCELLED)
    with op.batch_alter_table('buyer_messages', schema=None) as batch_op:
        batch_op.create_index('ix_buyer_messages_account_order', ['account_id', 'amazon_order_id'], unique=False)
    with op.batch_alter_table('mfn_shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_mfn_shipments_account_promised')
        batch_op.create_index('ix_mfn_shipments_account_promised', ['account_id', 'promised_delivery_date', 'ship_confirmed_at', 'tracking_valid', 'delivered_at', 'units'], unique=False)
    # The new columns of what is already stored, then the indexes (faster than keeping them up to date).
    rebuild_order_facts(op.get_bind(), columns=COLUMNS, day_counts=False)
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        # The orders judged one by one: partial indexes holding every column read about them.
        batch_op.create_index('ix_order_facts_late_candidates', list(LATE), unique=False, sqlite_where=sa.text('may_be_late = 1'), postgresql_where=sa.text('may_be_late'))
        batch_op.create_index('ix_order_facts_cancelled', list(LATE), unique=False, sqlite_where=CANCELLED, postgresql_where=CANCELLED)
        batch_op.create_index('ix_order_facts_problems', list(PROBLEM), unique=False, sqlite_where=PROBLEMS, postgresql_where=PROBLEMS)


def downgrade() -> None:
    with op.batch_alter_table('mfn_shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_mfn_shipments_account_promised')
        batch_op.create_index('ix_mfn_shipments_account_promised', ['account_id', 'promised_delivery_date'], unique=False)
    with op.batch_alter_table('buyer_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_buyer_messages_account_order')
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_order_facts_problems', sqlite_where=PROBLEMS, postgresql_where=PROBLEMS)
        batch_op.drop_index('ix_order_facts_cancelled', sqlite_where=CANCELLED, postgresql_where=CANCELLED)
        batch_op.drop_index('ix_order_facts_late_candidates', sqlite_where=sa.text('may_be_late = 1'), postgresql_where=sa.text('may_be_late'))
        batch_op.create_index('ix_order_facts_late_candidates', ['account_id', 'may_be_late', 'order_date'], unique=False)
        batch_op.create_index('ix_order_facts_cancelled', ['account_id', 'order_date'], unique=False, sqlite_where=CANCELLED, postgresql_where=CANCELLED)
        batch_op.drop_column('problem_at')
        batch_op.drop_column('refund_return_on')
        batch_op.drop_column('first_refund_at')
        batch_op.drop_column('first_message_at')
