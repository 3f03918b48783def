"""site location: GCJ-02 coordinates and a check-in radius

Sites get where they are (GCJ-02, as the mini-program's location API returns it) and how far from
that point a volunteer's self check-in is accepted. Existing sites have no coordinates: no location
check until an organizer sets them.

Revision ID: b7c2e9d4a1f3
Revises: a9d4c7e2b613
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c2e9d4a1f3'
down_revision = 'a9d4c7e2b613'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('checkin_radius_m', sa.Integer(), server_default='200', nullable=False))


def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('checkin_radius_m')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
