"""activity notices

An organizer's notice to an activity's participants: one row per notice (its text, who it went
to, the registration ids that could not be reached); the messages themselves are outbox rows.

Revision ID: d3f8a61c2e47
Revises: c7a4e1f9d206
Create Date: 2026-11-29 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f8a61c2e47'
down_revision = 'c7a4e1f9d206'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'activity_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('include_waitlist', sa.Boolean(), nullable=False),
        sa.Column('client_key', sa.String(length=64), nullable=True),
        sa.Column('queued', sa.Integer(), nullable=False),
        sa.Column('unreachable', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_notices_activity_id_activities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_activity_notices_sender_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_notices')),
        sa.UniqueConstraint('activity_id', 'client_key', name=op.f('uq_activity_notices_activity_id_client_key')),
    )
    with op.batch_alter_table('activity_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_notices_activity_id'), ['activity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('activity_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_notices_activity_id'))
    op.drop_table('activity_notices')
