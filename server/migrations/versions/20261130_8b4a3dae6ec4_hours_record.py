"""hours record: confirmed figures, their history, queries (申诉) and the 志愿者编号

Bookings keep the minutes worked inside the shift's window (`minutes_worked`); `minutes_credited`
becomes the CONFIRMED figure. Figures recorded before this change count as confirmed: every booking
already checked out gets `minutes_worked = minutes_credited`, `hours_status = 'confirmed'` and its
check-out time as the confirmation time (no confirming organizer), so totals do not change.

Revision ID: 8b4a3dae6ec4
Revises: 7a3f2c9e5db3
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b4a3dae6ec4'
down_revision = '7a3f2c9e5db3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_worked', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hours_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('hours_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hours_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_bookings_hours_confirmed_by_id_users'), 'users',
                                    ['hours_confirmed_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volunteer_number', sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE bookings SET minutes_worked = minutes_credited, hours_status = 'confirmed', "
        "hours_confirmed_at = checked_out_at WHERE checked_out_at IS NOT NULL"
    )
    op.create_table(
        'hours_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('minutes_before', sa.Integer(), nullable=False),
        sa.Column('minutes_after', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_hours_changes_actor_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_hours_changes_booking_id_bookings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_changes')),
    )
    with op.batch_alter_table('hours_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_changes_booking_id'), ['booking_id'], unique=False)
    op.create_table(
        'hours_queries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('answer', sa.String(length=200), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_hours_queries_answered_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_hours_queries_booking_id_bookings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_hours_queries_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_queries')),
    )
    with op.batch_alter_table('hours_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_queries_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hours_queries_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_hours_queries_status_booking', ['status', 'booking_id'], unique=False)


def downgrade():
    with op.batch_alter_table('hours_queries', schema=None) as batch_op:
        batch_op.drop_index('ix_hours_queries_status_booking')
        batch_op.drop_index(batch_op.f('ix_hours_queries_user_id'))
        batch_op.drop_index(batch_op.f('ix_hours_queries_booking_id'))
    op.drop_table('hours_queries')
    with op.batch_alter_table('hours_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_changes_booking_id'))
    op.drop_table('hours_changes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('volunteer_number')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_hours_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('hours_confirmed_by_id')
        batch_op.drop_column('hours_confirmed_at')
        batch_op.drop_column('hours_status')
        batch_op.drop_column('minutes_worked')
