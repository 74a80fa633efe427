"""webhook endpoints and deliveries (issue 14). Placeholder: filled in by the webhooks domain's work.

Revision ID: 0016_webhooks
Revises: 0015_api_keys
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0016_webhooks'
down_revision = '0015_api_keys'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
