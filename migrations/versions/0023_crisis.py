"""crisis tools (issue 15)

Revision ID: 0023_crisis
Revises: 0022_insights

- ``categories.is_locked``: members may neither start topics nor reply in the category.
- ``crisis_slow_modes``: one post per N seconds per member, in a topic or a whole category.
- ``crisis_topic_timers``: close, open, unpin or hide old replies of a topic at a time.
- ``crisis_announcements``: an announcement topic and its mail to every member who allows it.

The site banner and read-only mode are settings rows (no schema).
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0023_crisis'
down_revision = '0022_insights'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_locked', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'crisis_slow_modes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.Column('until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_crisis_slow_modes_topic_id_topics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'],
                                name=op.f('fk_crisis_slow_modes_category_id_categories'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'],
                                name=op.f('fk_crisis_slow_modes_started_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_slow_modes')),
        sa.UniqueConstraint('topic_id', name=op.f('uq_crisis_slow_modes_topic_id')),
        sa.UniqueConstraint('category_id', name=op.f('uq_crisis_slow_modes_category_id')),
    )
    op.create_table(
        'crisis_topic_timers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('run_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('older_than_hours', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('done_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_crisis_topic_timers_topic_id_topics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_crisis_topic_timers_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_topic_timers')),
    )
    with op.batch_alter_table('crisis_topic_timers', schema=None) as batch_op:
        batch_op.create_index('ix_crisis_topic_timers_due', ['done_at', 'cancelled_at', 'run_at'], unique=False)
        batch_op.create_index('ix_crisis_topic_timers_topic', ['topic_id'], unique=False)
    op.create_table(
        'crisis_announcements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('excerpt', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('expected', sa.Integer(), nullable=False),
        sa.Column('notified', sa.Integer(), nullable=False),
        sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_crisis_announcements_topic_id_topics'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_crisis_announcements_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_announcements')),
    )


def downgrade():
    op.drop_table('crisis_announcements')
    with op.batch_alter_table('crisis_topic_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_crisis_topic_timers_topic')
        batch_op.drop_index('ix_crisis_topic_timers_due')
    op.drop_table('crisis_topic_timers')
    op.drop_table('crisis_slow_modes')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('is_locked')
