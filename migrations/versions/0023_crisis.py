"""crisis tools (issue 15)

Revision ID: 0023_crisis
Revises: 0022_insights
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0023_crisis'
down_revision = '0022_insights'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
