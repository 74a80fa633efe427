"""a settings version: workers notice admin changes (theme, plugins) without a restart

Revision ID: 0007_settings_version
Revises: 0006_newcomer_groundwork
Create Date: 2026-12-05 03:00:00

One row whose ``version`` moves (SQL arithmetic, so concurrent writes never lose a step)
with every settings write. Each worker reads it at most once a second and rebuilds itself
when the theme or the enabled plugins changed (forum/live_settings.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_settings_version'
down_revision = '0006_newcomer_groundwork'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'settings_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('settings_version')
