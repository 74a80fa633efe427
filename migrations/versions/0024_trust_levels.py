"""trust levels and the member directory (issue 15)

Revision ID: 0024_trust_levels
Revises: 0023_crisis
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0024_trust_levels'
down_revision = '0023_crisis'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
