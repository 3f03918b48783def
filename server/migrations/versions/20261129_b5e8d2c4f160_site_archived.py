"""site archived state

A site can be archived: it keeps its shifts and their history but takes no new shifts, and no longer
shows in the site lists. Existing sites are active.

Revision ID: b5e8d2c4f160
Revises: b5d2f0c3a817
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e8d2c4f160'
down_revision = 'b5d2f0c3a817'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
