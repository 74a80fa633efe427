"""word_filter: the watched words table (this plugin's own Alembic branch).

Revision ID: word_filter_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from forum.plugins import UTCDateTime

revision = "word_filter_0001"
down_revision = None
branch_labels = ("word_filter",)
depends_on = "0001_initial"


def upgrade():
    op.create_table(
        "word_filter_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("replacement", sa.String(length=200), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("is_regex", sa.Boolean(), nullable=False),
        sa.Column("whole_word", sa.Boolean(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("locales", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_word_filter_words_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_filter_words")),
    )
    with op.batch_alter_table("word_filter_words", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_word_filter_words_action"), ["action"], unique=False)


def downgrade():
    with op.batch_alter_table("word_filter_words", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_word_filter_words_action"))
    op.drop_table("word_filter_words")
