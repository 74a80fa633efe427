"""tags (issue 15)

Revision ID: 0020_tags
Revises: 0019_privacy
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0020_tags'
down_revision = '0019_privacy'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
