"""word_filter: a "block" entry's message in the community's other languages.

Revision ID: word_filter_0002
Revises: word_filter_0001
Create Date: 2026-12-05

``message`` keeps the default language's text; ``message_translations`` holds the others,
``{"it": ..., "fr": ...}`` (an author reads the one in their language, else the default).
"""

import sqlalchemy as sa
from alembic import op

revision = "word_filter_0002"
down_revision = "word_filter_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("word_filter_words", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_translations", sa.JSON(), server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("word_filter_words", schema=None) as batch_op:
        batch_op.drop_column("message_translations")
