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
    pass


def downgrade():
    pass
