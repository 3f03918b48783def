"""requirements per post: qualifications, their grants, health declarations

A community's organizers define qualifications and grant them to people (optionally until a date);
a post may require one, and may ask for a same-day health declaration at booking or at check-in.
Existing posts require nothing (`health_declaration` 'none').

Revision ID: 9c5b4ebf7fd5
Revises: 6f2e1b8d4ca2
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c5b4ebf7fd5'
down_revision = '6f2e1b8d4ca2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('health_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('temperature_normal', sa.Boolean(), nullable=False),
    sa.Column('has_symptoms', sa.Boolean(), nullable=False),
    sa.Column('is_risk_person', sa.Boolean(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_health_declarations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_declarations')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_health_declarations_user_id_day'))
    )
    with op.batch_alter_table('health_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_declarations_day'), ['day'], unique=False)

    op.create_table('qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_qualifications_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_qualifications_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualifications')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_qualifications_community_id_name'))
    )
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualifications_community_id'), ['community_id'], unique=False)

    op.create_table('qualification_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_qualification_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualifications.id'], name=op.f('fk_qualification_grants_qualification_id_qualifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_qualification_grants_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_qualification_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification_grants')),
    sa.UniqueConstraint('qualification_id', 'user_id', name=op.f('uq_qualification_grants_qualification_id_user_id'))
    )
    with op.batch_alter_table('qualification_grants', schema=None) as batch_op:
        batch_op.create_index('ix_qualification_grants_user', ['user_id'], unique=False)

    with op.batch_alter_table('shift_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_qualification_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('health_declaration', sa.String(length=16), server_default='none', nullable=False))
        batch_op.create_index(batch_op.f('ix_shift_roles_requires_qualification_id'), ['requires_qualification_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_shift_roles_requires_qualification_id_qualifications'), 'qualifications', ['requires_qualification_id'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('shift_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shift_roles_requires_qualification_id_qualifications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_shift_roles_requires_qualification_id'))
        batch_op.drop_column('health_declaration')
        batch_op.drop_column('requires_qualification_id')

    with op.batch_alter_table('qualification_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_qualification_grants_user')

    op.drop_table('qualification_grants')
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualifications_community_id'))

    op.drop_table('qualifications')
    with op.batch_alter_table('health_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_declarations_day'))

    op.drop_table('health_declarations')
