"""shift swaps: a booked volunteer offers the booking, a fellow volunteer takes it (换班/转让)

One row per offer: the giver's booking and shift, the named fellow volunteer (or anyone), who claimed
or took it and the booking they got, an organizer's decision, and how it ended. At most one live
(open or pending) offer per booking: a partial unique index.

Revision ID: 6f2e1b8d4ca2
Revises: b7c2e9d4a1f3
Create Date: 2026-11-30 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f2e1b8d4ca2'
down_revision = 'b7c2e9d4a1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shift_swaps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=False),
        sa.Column('giver_id', sa.Integer(), nullable=False),
        sa.Column('named_user_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('taker_id', sa.Integer(), nullable=True),
        sa.Column('taker_booking_id', sa.Integer(), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reject_reason', sa.String(length=200), nullable=True),
        sa.Column('end_reason', sa.String(length=32), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_shift_swaps_booking_id_bookings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_shift_swaps_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['giver_id'], ['users.id'], name=op.f('fk_shift_swaps_giver_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['named_user_id'], ['users.id'], name=op.f('fk_shift_swaps_named_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_shift_swaps_shift_id_shifts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['taker_booking_id'], ['bookings.id'],
                                name=op.f('fk_shift_swaps_taker_booking_id_bookings'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['taker_id'], ['users.id'], name=op.f('fk_shift_swaps_taker_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_swaps')),
    )
    with op.batch_alter_table('shift_swaps', schema=None) as batch_op:
        batch_op.create_index('ix_shift_swaps_giver', ['giver_id'], unique=False)
        batch_op.create_index('ix_shift_swaps_named_user', ['named_user_id'], unique=False)
        batch_op.create_index('ix_shift_swaps_shift_status', ['shift_id', 'status'], unique=False)
        batch_op.create_index('ix_shift_swaps_taker', ['taker_id'], unique=False)
        batch_op.create_index(
            'uq_shift_swaps_live_booking', ['booking_id'], unique=True,
            postgresql_where=sa.text("status IN ('open', 'pending')"),
            sqlite_where=sa.text("status IN ('open', 'pending')"),
        )


def downgrade():
    with op.batch_alter_table('shift_swaps', schema=None) as batch_op:
        batch_op.drop_index('uq_shift_swaps_live_booking')
        batch_op.drop_index('ix_shift_swaps_taker')
        batch_op.drop_index('ix_shift_swaps_shift_status')
        batch_op.drop_index('ix_shift_swaps_named_user')
        batch_op.drop_index('ix_shift_swaps_giver')
    op.drop_table('shift_swaps')
