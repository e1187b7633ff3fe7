"""order day counts: orders per account, order date and channel, kept with the order facts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.order_facts import recount_order_days

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'order_day_counts',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('order_date', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=3), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_order_day_counts_account_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'order_date', 'channel', name=op.f('pk_order_day_counts')),
    )
    # The counts of the facts already stored.
    recount_order_days(op.get_bind())


def downgrade() -> None:
    op.drop_table('order_day_counts')
