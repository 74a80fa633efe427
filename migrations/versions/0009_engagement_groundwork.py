"""the engagement loop's groundwork: jobs, the mail outbox, watching and read state, reactions,
bookmarks, notification grouping and preferences

Revision ID: 0009_engagement_groundwork
Revises: 0008_global_pins
Create Date: 2026-12-05 03:32:03

- ``jobs``: each background job as a row written with the transaction that queues it.
- ``mail_messages``: the mail outbox (one row a message; what is known of its delivery).
- ``topic_members`` / ``category_members``: notification levels and the last post read.
- ``post_reactions`` (one per member per post) and ``posts.reaction_count``; ``users.likes_given``
  and ``likes_received``.
- ``bookmarks`` with an optional reminder.
- ``notifications.topic_id`` / ``post_id`` / ``actor_id`` / ``email_state``: grouping, permission
  checks at read time, ignored members, and what became of the notice's mail.
- ``users.notification_prefs`` / ``digest`` / ``last_digest_at``.
"""
from alembic import op
import sqlalchemy as sa
import forum.db_types  # noqa: F401 - autogenerate renders our column types by module path


revision = '0009_engagement_groundwork'
down_revision = '0008_global_pins'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', forum.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', forum.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', forum.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_jobs_dedupe_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_name_state', ['name', 'state'], unique=False)
        batch_op.create_index('ix_jobs_state_run_at', ['state', 'run_at'], unique=False)

    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', forum.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_mail_messages_dedupe_key'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index('ix_mail_messages_sent_at', ['sent_at'], unique=False)
        batch_op.create_index('ix_mail_messages_state', ['state', 'created_at'], unique=False)

    op.create_table('category_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_members_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_category_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category_id', name=op.f('pk_category_members'))
    )
    with op.batch_alter_table('category_members', schema=None) as batch_op:
        batch_op.create_index('ix_category_members_category_level', ['category_id', 'level'], unique=False)

    op.create_table('topic_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('level_reason', sa.String(length=16), nullable=True),
    sa.Column('last_read_post_number', sa.Integer(), nullable=False),
    sa.Column('last_visited_at', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_members_topic_id_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_topic_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_topic_members'))
    )
    with op.batch_alter_table('topic_members', schema=None) as batch_op:
        batch_op.create_index('ix_topic_members_topic_level', ['topic_id', 'level'], unique=False)
        batch_op.create_index('ix_topic_members_user_level', ['user_id', 'level'], unique=False)

    op.create_table('bookmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('remind_at', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', forum.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', forum.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_bookmarks_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bookmarks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmarks')),
    sa.UniqueConstraint('user_id', 'post_id', name=op.f('uq_bookmarks_user_id'))
    )
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.create_index('ix_bookmarks_remind_at', ['remind_at'], unique=False)
        batch_op.create_index('ix_bookmarks_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('post_reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reaction', sa.String(length=16), nullable=False),
    sa.Column('created_at', forum.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_reactions_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_reactions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_reactions')),
    sa.UniqueConstraint('post_id', 'user_id', name=op.f('uq_post_reactions_post_id'))
    )
    with op.batch_alter_table('post_reactions', schema=None) as batch_op:
        batch_op.create_index('ix_post_reactions_user', ['user_id', 'created_at'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('post_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('email_state', sa.String(length=12), nullable=True))
        batch_op.create_index('ix_notifications_user_topic', ['user_id', 'topic_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_actor_id_users'), 'users', ['actor_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reaction_count', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notification_prefs', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('digest', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('last_digest_at', forum.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('likes_given', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('likes_received', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('likes_received')
        batch_op.drop_column('likes_given')
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('digest')
        batch_op.drop_column('notification_prefs')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('reaction_count')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_actor_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_notifications_user_topic')
        batch_op.drop_column('email_state')
        batch_op.drop_column('actor_id')
        batch_op.drop_column('post_id')
        batch_op.drop_column('topic_id')

    with op.batch_alter_table('post_reactions', schema=None) as batch_op:
        batch_op.drop_index('ix_post_reactions_user')

    op.drop_table('post_reactions')
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.drop_index('ix_bookmarks_user_created')
        batch_op.drop_index('ix_bookmarks_remind_at')

    op.drop_table('bookmarks')
    with op.batch_alter_table('topic_members', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_members_user_level')
        batch_op.drop_index('ix_topic_members_topic_level')

    op.drop_table('topic_members')
    with op.batch_alter_table('category_members', schema=None) as batch_op:
        batch_op.drop_index('ix_category_members_category_level')

    op.drop_table('category_members')
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_messages_state')
        batch_op.drop_index('ix_mail_messages_sent_at')

    op.drop_table('mail_messages')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_state_run_at')
        batch_op.drop_index('ix_jobs_name_state')

    op.drop_table('jobs')
