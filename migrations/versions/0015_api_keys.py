"""API keys (issue 14): keys programs send as ``Authorization: Bearer <key>``

Revision ID: 0015_api_keys
Revises: 0014_sso

- ``api_keys``: the public prefix that finds a key, the SHA-256 of its secret (the secret
  itself is shown once and never stored), its kind (a member's own, or an admin's for an
  integration), scopes, whose permissions it carries, who made it, when it was last used, and
  when it was revoked (rows are never deleted).
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0015_api_keys'
down_revision = '0014_sso'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('acts_as_user', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_keys_revoked_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix')),
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index('ix_api_keys_user', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_api_keys_kind', ['kind', 'created_at'], unique=False)


def downgrade():
    op.drop_table('api_keys')
