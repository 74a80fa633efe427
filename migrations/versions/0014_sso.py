"""external identities (OpenID Connect) (issue 14)

Revision ID: 0014_sso
Revises: 0013_uploads

- ``external_identities``: a member's account at a configured OpenID Connect provider
  (provider id, the ID token's ``sub``), unique per (provider, subject) and per (member, provider).
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0014_sso'
down_revision = '0013_uploads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'external_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_login_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_identities_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identities')),
        sa.UniqueConstraint('provider', 'subject', name='uq_external_identities_provider_subject'),
        sa.UniqueConstraint('user_id', 'provider', name='uq_external_identities_user_provider'),
    )
    with op.batch_alter_table('external_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_identities_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('external_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_identities_user_id'))
    op.drop_table('external_identities')
