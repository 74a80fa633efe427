"""community health statistics (issue 15)

Revision ID: 0022_insights
Revises: 0021_ideas
"""
import sqlalchemy as sa
from alembic import op

from forum.db_types import UTCDateTime

revision = '0022_insights'
down_revision = '0021_ideas'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'insights_daily_stats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            'new_members', 'active_members')],
        sa.Column('active_weekly', sa.Integer(), nullable=True),
        sa.Column('active_monthly', sa.Integer(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            'posts', 'topics', 'likes', 'questions', 'solved', 'member_topics', 'responded')],
        sa.Column('response_seconds', sa.BigInteger(), nullable=False),
        sa.Column('flags', sa.Integer(), nullable=False),
        sa.Column('reviews_decided', sa.Integer(), nullable=False),
        sa.Column('review_seconds', sa.BigInteger(), nullable=False),
        sa.Column('review_median_seconds', sa.Integer(), nullable=True),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('searches_no_results', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'category_id', 'language', name='uq_insights_daily_stats_key'),
    )
    op.create_index('ix_insights_daily_stats_slice', 'insights_daily_stats', ['category_id', 'language', 'day'])
    op.create_table(
        'insights_member_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('day', 'user_id'),
    )
    op.create_index('ix_insights_member_days_user', 'insights_member_days', ['user_id'])
    op.create_table(
        'insights_top',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('posts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_insights_top_slice', 'insights_top', ['kind', 'category_id', 'language', 'day'])
    op.create_index('ix_insights_top_day', 'insights_top', ['day'])
    op.create_table(
        'insights_searches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('no_results', sa.Integer(), nullable=False),
        sa.Column('signed_in', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'query', 'language', name='uq_insights_searches_key'),
    )
    op.create_table(
        'insights_missed_searches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('no_results', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_insights_missed_searches_slice', 'insights_missed_searches', ['language', 'day'])
    op.create_index('ix_insights_missed_searches_day', 'insights_missed_searches', ['day'])


def downgrade():
    op.drop_index('ix_insights_missed_searches_day', table_name='insights_missed_searches')
    op.drop_index('ix_insights_missed_searches_slice', table_name='insights_missed_searches')
    op.drop_table('insights_missed_searches')
    op.drop_table('insights_searches')
    op.drop_index('ix_insights_top_day', table_name='insights_top')
    op.drop_index('ix_insights_top_slice', table_name='insights_top')
    op.drop_table('insights_top')
    op.drop_index('ix_insights_member_days_user', table_name='insights_member_days')
    op.drop_table('insights_member_days')
    op.drop_index('ix_insights_daily_stats_slice', table_name='insights_daily_stats')
    op.drop_table('insights_daily_stats')
