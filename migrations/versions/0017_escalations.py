"""escalations to support (issue 14). Placeholder: filled in by the escalations domain's work.

Revision ID: 0017_escalations
Revises: 0016_webhooks
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0017_escalations'
down_revision = '0016_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
