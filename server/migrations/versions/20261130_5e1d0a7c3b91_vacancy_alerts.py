"""vacancy alerts: opt-ins, their sites and communities, rounds and alerts

Volunteers opt in to alerts for posts short of people (with an optional home point, rounded to
about 100 m); the scheduler records each (shift, lead) round once and each person alerted once per
shift (services/vacancy_alerts.py).

Revision ID: 5e1d0a7c3b91
Revises: 9c5b4ebf7fd5
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1d0a7c3b91'
down_revision = '9c5b4ebf7fd5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vacancy_alert_prefs',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('home_latitude', sa.Float(), nullable=True),
        sa.Column('home_longitude', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(home_latitude IS NULL) = (home_longitude IS NULL)', name=op.f('ck_vacancy_alert_prefs_home_point_complete')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vacancy_alert_prefs_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_vacancy_alert_prefs')),
    )
    op.create_table(
        'vacancy_alert_scopes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(site_id IS NULL) <> (community_id IS NULL)', name=op.f('ck_vacancy_alert_scopes_site_or_community')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_vacancy_alert_scopes_community_id_communities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_vacancy_alert_scopes_site_id_sites'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vacancy_alert_scopes_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy_alert_scopes')),
        sa.UniqueConstraint('user_id', 'community_id', name=op.f('uq_vacancy_alert_scopes_user_id_community_id')),
        sa.UniqueConstraint('user_id', 'site_id', name=op.f('uq_vacancy_alert_scopes_user_id_site_id')),
    )
    with op.batch_alter_table('vacancy_alert_scopes', schema=None) as batch_op:
        batch_op.create_index('ix_vacancy_alert_scopes_community_id', ['community_id'], unique=False)
        batch_op.create_index('ix_vacancy_alert_scopes_site_id', ['site_id'], unique=False)
    op.create_table(
        'vacancy_alert_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=False),
        sa.Column('lead_minutes', sa.Integer(), nullable=False),
        sa.Column('missing', sa.Integer(), nullable=False),
        sa.Column('alerted', sa.Integer(), nullable=False),
        sa.Column('claimed_by', sa.String(length=64), nullable=True),
        sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_vacancy_alert_rounds_shift_id_shifts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy_alert_rounds')),
        sa.UniqueConstraint('shift_id', 'lead_minutes', name=op.f('uq_vacancy_alert_rounds_shift_id_lead_minutes')),
    )
    op.create_table(
        'vacancy_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('lead_minutes', sa.Integer(), nullable=False),
        sa.Column('distance_m', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['shift_roles.id'], name=op.f('fk_vacancy_alerts_post_id_shift_roles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['vacancy_alert_rounds.id'], name=op.f('fk_vacancy_alerts_round_id_vacancy_alert_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_vacancy_alerts_shift_id_shifts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vacancy_alerts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy_alerts')),
        sa.UniqueConstraint('shift_id', 'user_id', name=op.f('uq_vacancy_alerts_shift_id_user_id')),
    )
    with op.batch_alter_table('vacancy_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_vacancy_alerts_round_id', ['round_id'], unique=False)
        batch_op.create_index('ix_vacancy_alerts_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('vacancy_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_vacancy_alerts_user_id')
        batch_op.drop_index('ix_vacancy_alerts_round_id')
    op.drop_table('vacancy_alerts')
    op.drop_table('vacancy_alert_rounds')
    with op.batch_alter_table('vacancy_alert_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_vacancy_alert_scopes_site_id')
        batch_op.drop_index('ix_vacancy_alert_scopes_community_id')
    op.drop_table('vacancy_alert_scopes')
    op.drop_table('vacancy_alert_prefs')
