"""members' data rights (issue 16): data exports and account deletions

Revision ID: 0019_privacy
Revises: 0018_messages

- ``privacy_exports``: a member's request for a copy of their data, and the file it made (a key
  in the forum's storage, removed when the link expires).
- ``privacy_deletions``: a request to delete an account: its confirmation, grace period,
  cancellation or erasure (kept afterwards as the record that the account was erased).
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0019_privacy'
down_revision = '0018_messages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'privacy_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('requested_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('ready_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('storage_key', sa.String(length=200), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_exports_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_exports')),
    )
    with op.batch_alter_table('privacy_exports', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_exports_user', ['user_id', 'requested_at'], unique=False)
        batch_op.create_index('ix_privacy_exports_state', ['state', 'expires_at'], unique=False)
    op.create_table(
        'privacy_deletions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('remove_content', sa.Boolean(), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('requested_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('erase_after', UTCDateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('erased_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('previous_membership', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_deletions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_deletions')),
    )
    with op.batch_alter_table('privacy_deletions', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_deletions_user', ['user_id', 'state'], unique=False)
        batch_op.create_index('ix_privacy_deletions_due', ['state', 'erase_after'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_deletions', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_deletions_due')
        batch_op.drop_index('ix_privacy_deletions_user')
    op.drop_table('privacy_deletions')
    with op.batch_alter_table('privacy_exports', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_exports_state')
        batch_op.drop_index('ix_privacy_exports_user')
    op.drop_table('privacy_exports')
