"""co-hosting is an invitation; frozen official replies (security issue)

Revision ID: 0005_cohost_invitations
Revises: 0004_member_states
Create Date: 2026-12-02 10:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_cohost_invitations'
down_revision = '0004_member_states'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
