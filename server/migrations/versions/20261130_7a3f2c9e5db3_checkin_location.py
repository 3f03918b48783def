"""on-site check-in: how a booking was checked in, and how far from the site

Bookings record how their check-in was made (`code`: the volunteer scanned the site's code;
`manual`: an organizer checked them in by hand, with `checkin_reason`), and for a self check-in or
check-out at a site with coordinates the distance in metres from the site's point (never the raw
position). Existing check-ins keep NULL: made before the method was recorded.

Revision ID: 7a3f2c9e5db3
Revises: 5e1d0a7c3b91
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3f2c9e5db3'
down_revision = '5e1d0a7c3b91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_method', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('checkin_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('checkin_distance_m', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checkout_distance_m', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('checkout_distance_m')
        batch_op.drop_column('checkin_distance_m')
        batch_op.drop_column('checkin_reason')
        batch_op.drop_column('checkin_method')
