"""mfn shipments: on time for sure (derived at ingestion), and the partial index of the others

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_WHERE = sa.text('on_time_for_sure IS NOT 1')
POSTGRESQL_WHERE = sa.text('on_time_for_sure IS NOT TRUE')


def upgrade() -> None:
    with op.batch_alter_table('mfn_shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_time_for_sure', sa.Boolean(), nullable=True))
    # What ingestion derives (storage/ingest/formats.py): flagged valid and delivered by 23:59:59 of
    # the promised date in UTC+14, 09:59:59 UTC.
    if op.get_bind().dialect.name == 'postgresql':
        earliest_end = "(promised_delivery_date + time '09:59:59') AT TIME ZONE 'UTC'"
        sure = 'tracking_valid IS TRUE'
    else:
        earliest_end = "promised_delivery_date || ' 09:59:59.000000'"
        sure = 'tracking_valid = 1'
    op.execute(
        f'UPDATE mfn_shipments SET on_time_for_sure = ({sure} AND promised_delivery_date IS NOT NULL'
        f' AND delivered_at IS NOT NULL AND delivered_at <= {earliest_end})'
    )
    with op.batch_alter_table('mfn_shipments', schema=None) as batch_op:
        batch_op.create_index('ix_mfn_shipments_to_judge', ['account_id', 'promised_delivery_date', 'ship_confirmed_at'], unique=False, sqlite_where=SQLITE_WHERE, postgresql_where=POSTGRESQL_WHERE)


def downgrade() -> None:
    with op.batch_alter_table('mfn_shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_mfn_shipments_to_judge', sqlite_where=SQLITE_WHERE, postgresql_where=POSTGRESQL_WHERE)
        batch_op.drop_column('on_time_for_sure')
