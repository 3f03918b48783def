"""lottery record: the sealed entries and the draw's outcome, kept as published

A lottery's entries are fixed when sign-up closes and its outcome at the draw; both are shown by
`GET /activities/{id}/draw` long after registrations have moved on (a withdrawn entry, a winner who
cancels later), so they are kept as written then.

Revision ID: a9d4c7e2b613
Revises: f4a9c3b81e25
Create Date: 2026-11-29 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d4c7e2b613'
down_revision = 'f4a9c3b81e25'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draw_entries', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('draw_results', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('draw_results')
        batch_op.drop_column('draw_entries')
