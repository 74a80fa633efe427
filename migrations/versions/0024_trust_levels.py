"""trust levels and the member directory (issue 15)

Revision ID: 0024_trust_levels
Revises: 0023_crisis

Columns on ``users``: the trust level and its lock (forum.accounts.trust), the activity the
levels are earned with (recomputed by forum.members' periodic job), and the member's choice
to be listed in the member directory; indexes for the directory's sorts by posts, likes and last seen.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0024_trust_levels'
down_revision = '0023_crisis'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trust_level', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('trust_level_locked', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('trust_level_locked_until', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('days_visited', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('visit_counted_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('posts_read', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('topics_entered', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('flags_agreed', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('show_in_directory', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index(batch_op.f('ix_users_trust_level'), ['trust_level'], unique=False)
        batch_op.create_index('ix_users_post_count_id', ['post_count', 'id'], unique=False)
        batch_op.create_index('ix_users_likes_received_id', ['likes_received', 'id'], unique=False)
        batch_op.create_index('ix_users_last_seen_at_id', ['last_seen_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_last_seen_at_id')
        batch_op.drop_index('ix_users_likes_received_id')
        batch_op.drop_index('ix_users_post_count_id')
        batch_op.drop_index(batch_op.f('ix_users_trust_level'))
        for column in ('show_in_directory', 'flags_agreed', 'topics_entered', 'posts_read', 'visit_counted_at',
                       'days_visited', 'trust_level_locked_until', 'trust_level_locked', 'trust_level'):
            batch_op.drop_column(column)
