"""review items for meetups and profile text

Revision ID: 0002_review_subjects
Revises: 0001_initial
Create Date: 2026-12-02 06:20:00

The review queue now holds held meetups (kind "event", ``subject_id``) and held or flagged
profile text (kind "profile", one open item per member).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_review_subjects'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.create_index('uq_review_items_open_profile', ['user_id'], unique=True,
                              sqlite_where=sa.text("status = 'open' AND kind = 'profile'"),
                              postgresql_where=sa.text("status = 'open' AND kind = 'profile'"))
        batch_op.create_index('uq_review_items_open_subject', ['kind', 'subject_id'], unique=True,
                              sqlite_where=sa.text("status = 'open' AND subject_id IS NOT NULL"),
                              postgresql_where=sa.text("status = 'open' AND subject_id IS NOT NULL"))


def downgrade():
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index('uq_review_items_open_subject')
        batch_op.drop_index('uq_review_items_open_profile')
        batch_op.drop_column('subject_id')
