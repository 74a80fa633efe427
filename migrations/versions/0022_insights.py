"""community health statistics (issue 15)

Revision ID: 0022_insights
Revises: 0021_ideas
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0022_insights'
down_revision = '0021_ideas'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
