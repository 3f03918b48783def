"""community subdistrict and archived state

A community names the 街道 (sub-district) it belongs to, and can be archived: it keeps its history
but takes no new activities, sites or members. Existing communities have no sub-district recorded
and are active.

Revision ID: a4c7e2b91d03
Revises: 7d3e1a9c4b52
Create Date: 2026-11-28 23:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c7e2b91d03'
down_revision = '7d3e1a9c4b52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subdistrict', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
        batch_op.drop_column('subdistrict')
