"""API keys (issue 14). Placeholder: filled in by the api domain's work.

Revision ID: 0015_api_keys
Revises: 0014_sso
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0015_api_keys'
down_revision = '0014_sso'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
