"""registration walk-ins

A registration may be a walk-in (代报名) an organizer made for someone without an account: it has
no user, the name and phone the organizer typed, and the organizer who registered it. Existing
registrations are users' own sign-ups.

Revision ID: b5d2f0c3a817
Revises: a4c7e2b91d03
Create Date: 2026-11-29 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d2f0c3a817'
down_revision = 'a4c7e2b91d03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('walk_in_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('walk_in_phone', sa.String(length=20), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_registrations_registered_by_id_users'), 'users', ['registered_by_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    # Walk-ins have no user: they cannot be kept without the columns that say who they are.
    op.execute("DELETE FROM registrations WHERE user_id IS NULL")
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registrations_registered_by_id_users'), type_='foreignkey')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('walk_in_phone')
        batch_op.drop_column('walk_in_name')
        batch_op.drop_column('registered_by_id')
