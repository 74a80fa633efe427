"""external identities (OpenID Connect) (issue 14). Placeholder: filled in by the sso domain's work.

Revision ID: 0014_sso
Revises: 0013_uploads
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014_sso'
down_revision = '0013_uploads'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
