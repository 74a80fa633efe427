"""uploads: files in posts, avatars and brand assets, and what references them

Revision ID: 0013_uploads
Revises: 0012_browser_language
Create Date: 2026-12-05 08:30:00

- ``uploads``: one row per stored file (re-encoded image or attachment), named by a random
  token; ``collected_at`` marks a file whose bytes the collector removed (the row stays);
  ``last_used_at`` is stamped by each write that starts using it (the collector skips those).
- ``upload_references``: what uses a file (a post's text, a revision, an avatar, a brand
  asset); who may read a file follows from them.
- ``topics.image_token``: the opening post's first image, the topic list's thumbnail.
- ``users.avatar_token``: a member's uploaded picture.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0013_uploads'
down_revision = '0012_browser_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('url_name', sa.String(length=120), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('thumbnail_width', sa.Integer(), nullable=True),
        sa.Column('thumbnail_height', sa.Integer(), nullable=True),
        sa.Column('animated', sa.Boolean(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('source_url_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('collected_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_uploads_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
        sa.UniqueConstraint('token', name=op.f('uq_uploads_token')),
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index('ix_uploads_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_source_url_hash'), ['source_url_hash'], unique=False)
    op.create_table(
        'upload_references',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('upload_id', sa.Integer(), nullable=False),
        sa.Column('target_kind', sa.String(length=16), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_upload_references_upload_id_uploads')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_references')),
        sa.UniqueConstraint('upload_id', 'target_kind', 'target_id', name='uq_upload_references'),
    )
    with op.batch_alter_table('upload_references', schema=None) as batch_op:
        batch_op.create_index('ix_upload_references_target', ['target_kind', 'target_id'], unique=False)
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_token', sa.String(length=40), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avatar_token', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('avatar_token')
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('image_token')
    op.drop_table('upload_references')
    op.drop_table('uploads')
