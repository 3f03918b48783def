"""community membership confirmation

A user's community becomes a claim until the community's organizer confirms it (or the person scans
the community's join code). Existing memberships were self-declared: they become claims (dated by
the row's last change, the best record of when the community was set), not confirmed ones, so no
self-declared residency is grandfathered in.

Revision ID: 7d3e1a9c4b52
Revises: 5474b5946b23
Create Date: 2026-11-28 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3e1a9c4b52'
down_revision = '5474b5946b23'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('community_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    users = sa.table('users', sa.column('community_id', sa.Integer()), sa.column('updated_at'),
                     sa.column('community_claimed_at'))
    op.execute(
        users.update().where(users.c.community_id.is_not(None)).values(community_claimed_at=users.c.updated_at)
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('community_confirmed_at')
        batch_op.drop_column('community_claimed_at')
