"""private conversations and staff groups' inboxes (issue 16)

Revision ID: 0018_messages
Revises: 0017_escalations

- ``group_inboxes``: a staff group that takes messages (open or not, its description);
- ``conversations``: a title, its owner, the group it belongs to (a group's inbox), who took it,
  where it came from (a topic moved into private), counters;
- ``conversation_participants``: who is in it (left and archived kept as times), how far they read;
- ``conversation_group_reads``: how far a group's member read one of the group's conversations;
- ``conversation_messages``: the messages and notices, numbered within their conversation;
- ``message_blocks``: members who do not take messages from another member;
- ``message_flags``: participants' flags on one message.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0018_messages'
down_revision = '0017_escalations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'group_inboxes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['staff_groups.id'], name=op.f('fk_group_inboxes_group_id_staff_groups'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_inboxes')),
        sa.UniqueConstraint('group_id', name=op.f('uq_group_inboxes_group_id')),
    )
    # last_message_id's foreign key comes after conversation_messages exists (a cycle).
    op.create_table(
        'conversations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('assigned_to_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('members_may_invite', sa.Boolean(), nullable=False),
        sa.Column('origin_topic_id', sa.Integer(), nullable=True),
        sa.Column('origin_post_id', sa.Integer(), nullable=True),
        sa.Column('message_count', sa.Integer(), nullable=False),
        sa.Column('last_message_number', sa.Integer(), nullable=False),
        sa.Column('last_message_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_message_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_conversations_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['group_id'], ['staff_groups.id'], name=op.f('fk_conversations_group_id_staff_groups'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'],
                                name=op.f('fk_conversations_assigned_to_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['origin_topic_id'], ['topics.id'],
                                name=op.f('fk_conversations_origin_topic_id_topics'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['origin_post_id'], ['posts.id'], name=op.f('fk_conversations_origin_post_id_posts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_conversations_group_last', ['group_id', 'last_message_at', 'id'], unique=False)

    op.create_table(
        'conversation_participants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('joined_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('left_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('archived_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_read_number', sa.Integer(), nullable=False),
        sa.Column('last_message_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_participants_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_participants_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_participants')),
        sa.UniqueConstraint('conversation_id', 'user_id',
                            name=op.f('uq_conversation_participants_conversation_id')),
    )
    with op.batch_alter_table('conversation_participants', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_participants_inbox', ['user_id', 'last_message_at', 'conversation_id'],
                              unique=False)

    op.create_table(
        'conversation_group_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_read_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_group_reads_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_group_reads_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_group_reads')),
        sa.UniqueConstraint('conversation_id', 'user_id', name=op.f('uq_conversation_group_reads_conversation_id')),
    )

    op.create_table(
        'conversation_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('cooked', sa.Text(), nullable=False),
        sa.Column('cook_version', sa.Integer(), nullable=False),
        sa.Column('signed_group_id', sa.Integer(), nullable=True),
        sa.Column('notice', sa.JSON(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('edited_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('state_changed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('state_changed_by_id', sa.Integer(), nullable=True),
        sa.Column('state_reason', sa.Text(), nullable=True),
        sa.Column('ip_address', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_messages_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_messages_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['signed_group_id'], ['staff_groups.id'],
                                name=op.f('fk_conversation_messages_signed_group_id_staff_groups'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['state_changed_by_id'], ['users.id'],
                                name=op.f('fk_conversation_messages_state_changed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages')),
        sa.UniqueConstraint('conversation_id', 'number', name=op.f('uq_conversation_messages_conversation_id')),
    )
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_messages_user', ['user_id', 'created_at'], unique=False)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_conversations_last_message_id_conversation_messages'),
                                    'conversation_messages', ['last_message_id'], ['id'], ondelete='SET NULL')

    op.create_table(
        'message_blocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('blocked_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_blocks_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['blocked_id'], ['users.id'], name=op.f('fk_message_blocks_blocked_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_blocks')),
        sa.UniqueConstraint('user_id', 'blocked_id', name=op.f('uq_message_blocks_user_id')),
    )

    op.create_table(
        'message_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=80), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['conversation_messages.id'],
                                name=op.f('fk_message_flags_message_id_conversation_messages'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_flags_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_flags')),
        sa.UniqueConstraint('message_id', 'user_id', name=op.f('uq_message_flags_message_id')),
    )


def downgrade():
    op.drop_table('message_flags')
    op.drop_table('message_blocks')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversations_last_message_id_conversation_messages'),
                                 type_='foreignkey')
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_messages_user')
    op.drop_table('conversation_messages')
    op.drop_table('conversation_group_reads')
    with op.batch_alter_table('conversation_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_participants_inbox')
    op.drop_table('conversation_participants')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_group_last')
        batch_op.drop_index(batch_op.f('ix_conversations_group_id'))
    op.drop_table('conversations')
    op.drop_table('group_inboxes')
