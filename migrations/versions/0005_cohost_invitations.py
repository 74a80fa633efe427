"""co-hosting is an invitation the member accepts (security issue: co-hosts without consent)

Revision ID: 0005_cohost_invitations
Revises: 0004_member_states
Create Date: 2026-12-02 18:40:00

- ``event_hosts.state``: invited / accepted / declined. Only accepted rows make a host.
  Existing co-hosts were made before consent existed; they become ``accepted`` so nothing
  they manage today disappears from under them. The column's default is then ``invited``
  (the least privilege) for every row written from now on.
- ``event_hosts.invited_at`` / ``answered_at``: when the invitation was sent and answered;
  empty for the rows from before invitations.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0005_cohost_invitations'
down_revision = '0004_member_states'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_hosts', schema=None) as batch_op:
        # The temporary default fills the existing rows: they stay hosts.
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='accepted', nullable=False))
        batch_op.add_column(sa.Column('invited_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('event_hosts', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=sa.String(length=16), existing_nullable=False,
                              server_default='invited')


def downgrade():
    # Before invitations every row was a host: drop the ones nobody accepted, or the
    # downgrade would hand them the powers they never agreed to.
    op.execute("DELETE FROM event_hosts WHERE state <> 'accepted'")
    with op.batch_alter_table('event_hosts', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('state')
