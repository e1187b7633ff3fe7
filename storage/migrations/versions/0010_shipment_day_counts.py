"""shipment day counts: confirmed shipments per promised date and tracking flag; the shipments to judge indexed with every column the delivery metrics read of them

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.shipment_days import recount_shipment_days
from storage.types import UTCDateTime

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_WHERE = sa.text('on_time_for_sure IS NOT 1')
POSTGRESQL_WHERE = sa.text('on_time_for_sure IS NOT TRUE')
JUDGED_BEFORE = ['account_id', 'promised_delivery_date', 'ship_confirmed_at']
JUDGED = [*JUDGED_BEFORE, 'tracking_valid', 'delivered_at', 'units', 'carrier', 'amazon_order_id']


def _index(columns: list[str]) -> None:
    with op.batch_alter_table('mfn_shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_mfn_shipments_to_judge', sqlite_where=SQLITE_WHERE, postgresql_where=POSTGRESQL_WHERE)
        batch_op.create_index('ix_mfn_shipments_to_judge', columns, unique=False, sqlite_where=SQLITE_WHERE, postgresql_where=POSTGRESQL_WHERE)


def upgrade() -> None:
    _index(JUDGED)
    op.create_table(
        'shipment_day_counts',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('promised_delivery_date', sa.Date(), nullable=False),
        sa.Column('tracking', sa.String(length=1), nullable=False),
        sa.Column('shipments', sa.Integer(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('without_units', sa.Integer(), nullable=False),
        sa.Column('sure', sa.Integer(), nullable=False),
        sa.Column('sure_units', sa.Integer(), nullable=False),
        sa.Column('last_confirmed_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_shipment_day_counts_account_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'promised_delivery_date', 'tracking', name=op.f('pk_shipment_day_counts')),
    )
    # The counts of the shipments already stored (the live query: it reads only columns of 0008).
    recount_shipment_days(op.get_bind())


def downgrade() -> None:
    op.drop_table('shipment_day_counts')
    _index(JUDGED_BEFORE)
