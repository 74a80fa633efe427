"""ideas boards (issue 15)

Revision ID: 0021_ideas
Revises: 0020_tags

- ``idea_boards``: categories that are ideas boards, with the votes a member may give there.
- ``ideas``: an idea's vote count and current status (with its public note); ``idea_votes``:
  one row per member and idea; ``idea_status_changes``: every status an idea had.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0021_ideas'
down_revision = '0020_tags'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idea_boards',
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('vote_budget', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_idea_boards_category_id_categories'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('category_id', name=op.f('pk_idea_boards')),
    )
    op.create_table(
        'ideas',
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('vote_count', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_note', sa.Text(), nullable=False),
        sa.Column('status_note_raw', sa.Text(), nullable=False),
        sa.Column('status_changed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_ideas_category_id_categories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['merged_into_id'], ['topics.id'], name=op.f('fk_ideas_merged_into_id_topics'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_ideas_topic_id_topics'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('topic_id', name=op.f('pk_ideas')),
    )
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.create_index('ix_ideas_board_votes', ['category_id', 'vote_count', 'topic_id'], unique=False)
        batch_op.create_index('ix_ideas_status', ['status', 'topic_id'], unique=False)
    op.create_table(
        'idea_votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_idea_votes_category_id_categories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['ideas.topic_id'], name=op.f('fk_idea_votes_topic_id_ideas'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idea_votes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_votes')),
        sa.UniqueConstraint('topic_id', 'user_id', name=op.f('uq_idea_votes_topic_id')),
    )
    with op.batch_alter_table('idea_votes', schema=None) as batch_op:
        batch_op.create_index('ix_idea_votes_user_board', ['user_id', 'category_id'], unique=False)
        batch_op.create_index('ix_idea_votes_recent', ['created_at', 'topic_id'], unique=False)
    op.create_table(
        'idea_status_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('previous', sa.String(length=16), nullable=False),
        sa.Column('note_raw', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                name=op.f('fk_idea_status_changes_changed_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['topic_id'], ['ideas.topic_id'], name=op.f('fk_idea_status_changes_topic_id_ideas'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_status_changes')),
    )
    with op.batch_alter_table('idea_status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_idea_status_changes_topic', ['topic_id', 'id'], unique=False)


def downgrade():
    op.drop_table('idea_status_changes')
    op.drop_table('idea_votes')
    op.drop_table('ideas')
    op.drop_table('idea_boards')
