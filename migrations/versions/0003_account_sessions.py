"""sign-in sessions and per-account login throttling (security issue)

Revision ID: 0003_account_sessions
Revises: 0002_review_subjects
Create Date: 2026-12-02 10:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_account_sessions'
down_revision = '0002_review_subjects'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
