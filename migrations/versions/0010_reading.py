"""reading: the member's previous visit (/new) and topics by creation time

Revision ID: 0010_reading
Revises: 0009_engagement_groundwork
Create Date: 2026-12-05 04:20:00

- ``users.previous_visit_at``: when the member's previous visit ended (the ``last_seen_at``
  of before a gap of an hour or more, as Discourse's ``previous_visit_at``). ``/new`` lists the
  topics created since then, and topic lists mark them "New". On the user, not the session:
  the same on every device, and what a returning member expects after a night away.
- ``ix_topics_created`` (state, created_at, id): ``/new`` walks topics newest first from one
  index range, keyset-paginated like the other lists.
"""
from alembic import op
import sqlalchemy as sa
import forum.db_types  # noqa: F401 - autogenerate renders our column types by module path


revision = '0010_reading'
down_revision = '0009_engagement_groundwork'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_visit_at', forum.db_types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.create_index('ix_topics_created', ['state', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_index('ix_topics_created')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('previous_visit_at')
