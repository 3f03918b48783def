"""fair places: sign-up modes (lottery, approval), claimable offers, questions

Activities get `signup_mode` (first_come for every existing one), the lottery's draw columns,
`claim_hours` (0: a freed place is confirmed at once, as before) and `questions`. Registrations get
the drawn rank, the offer's deadline, the approval decision and the answers. New registration
statuses (offered, pending, entered, expired, rejected, not_drawn) need no schema change.

Revision ID: f4a9c3b81e25
Revises: e3f1a7c2d940
Create Date: 2026-11-29 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4a9c3b81e25'
down_revision = 'e3f1a7c2d940'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signup_mode', sa.String(length=16), server_default='first_come', nullable=False))
        batch_op.add_column(sa.Column('draw_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('draw_commitment', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('draw_salt', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('draw_seed', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('draw_sealed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_hours', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('questions', sa.JSON(), nullable=True))
        batch_op.create_check_constraint('claim_hours_range', 'claim_hours >= 0 AND claim_hours <= 168')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draw_rank', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_registrations_decided_by_id_users'), 'users', ['decided_by_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(
            'ix_registrations_status_offer_expires_at', ['status', 'offer_expires_at'], unique=False
        )


def downgrade():
    # Registrations in the new states cannot be kept without the columns that explain them.
    op.execute("DELETE FROM registrations WHERE status NOT IN ('confirmed', 'waitlisted', 'cancelled')")
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_status_offer_expires_at')
        batch_op.drop_constraint(batch_op.f('fk_registrations_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('answers')
        batch_op.drop_column('reject_reason')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('offer_expires_at')
        batch_op.drop_column('draw_rank')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint('claim_hours_range', type_='check')
        batch_op.drop_column('questions')
        batch_op.drop_column('claim_hours')
        batch_op.drop_column('drawn_at')
        batch_op.drop_column('draw_sealed_at')
        batch_op.drop_column('draw_seed')
        batch_op.drop_column('draw_salt')
        batch_op.drop_column('draw_commitment')
        batch_op.drop_column('draw_at')
        batch_op.drop_column('signup_mode')
