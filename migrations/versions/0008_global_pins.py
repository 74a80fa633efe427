"""global pins: a pin leads its category, a global pin leads /latest too (issue 11)

Revision ID: 0008_global_pins
Revises: 0007_settings_version
Create Date: 2026-12-05 06:00:00

``topics.pinned_globally``, set from the moderators' pin tool ("Pin for everyone on Latest"
vs "Pin in this category"). Existing pins stay category pins: a moderator pins for everyone
on purpose. The pinned index gains the column, so /latest finds the global pins of each
readable category through it (one short range per category) instead of every pin.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_global_pins'
down_revision = '0007_settings_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned_globally', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index('ix_topics_category_pinned')
        batch_op.create_index('ix_topics_category_pinned',
                              ['category_id', 'state', 'is_pinned', 'pinned_globally', 'last_posted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_index('ix_topics_category_pinned')
        batch_op.create_index('ix_topics_category_pinned', ['category_id', 'state', 'is_pinned', 'last_posted_at'],
                              unique=False)
        batch_op.drop_column('pinned_globally')
