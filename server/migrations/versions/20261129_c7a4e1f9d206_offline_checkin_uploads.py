"""offline check-in uploads

A check-in or check-out scanned without a network is uploaded later with the device time of the
scan: `checked_in_at` / `checked_out_at` hold that time and these columns when the server received
it (null: recorded live). Existing rows were all recorded live.

Revision ID: c7a4e1f9d206
Revises: b5e8d2c4f160
Create Date: 2026-11-29 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a4e1f9d206'
down_revision = 'b5e8d2c4f160'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_uploaded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_out_uploaded_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_uploaded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('checked_in_uploaded_at')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('checked_out_uploaded_at')
        batch_op.drop_column('checked_in_uploaded_at')
