"""ideas boards (issue 15)

Revision ID: 0021_ideas
Revises: 0020_tags
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0021_ideas'
down_revision = '0020_tags'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
