"""member states defined once: pending and rejected applicants (security issue)

Revision ID: 0004_member_states
Revises: 0003_account_sessions
Create Date: 2026-12-02 10:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_member_states'
down_revision = '0003_account_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('membership', sa.String(length=16), server_default='open', nullable=False))
    # Until now "pending" was only an open member application in the review queue, and a
    # rejected applicant left no trace on the account: write both onto the accounts.
    op.execute(
        "UPDATE users SET membership = 'pending' WHERE approved_at IS NULL AND id IN ("
        "SELECT user_id FROM review_items WHERE kind = 'member' AND status = 'open' AND user_id IS NOT NULL)"
    )
    op.execute(
        "UPDATE users SET membership = 'rejected' WHERE approved_at IS NULL AND membership = 'open' AND id IN ("
        "SELECT user_id FROM review_items WHERE kind = 'member' AND resolution = 'rejected' "
        "AND user_id IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('membership')
