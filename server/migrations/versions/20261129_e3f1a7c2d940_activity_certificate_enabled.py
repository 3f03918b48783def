"""activity certificate_enabled

An organizer may let the attendees of an activity download a certificate of participation
(参加活动证明). Existing activities have none.

Revision ID: e3f1a7c2d940
Revises: d3f8a61c2e47
Create Date: 2026-11-29 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3f1a7c2d940'
down_revision = 'd3f8a61c2e47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('certificate_enabled')
