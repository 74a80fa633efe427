"""tags (issue 15): tags on topics, tag groups, synonyms, per-category tag rules

Revision ID: 0020_tags
Revises: 0019_privacy

- ``tags``: a tag (its name is its slug), its description, its topic count, and for a synonym
  the tag it stands for (``target_id``).
- ``tag_groups`` (names translated like categories') and ``tag_group_members``.
- ``topic_tags``: which topics carry which tags.
- ``category_tag_rules``: tags a category requires (a minimum, optionally from a group) and
  the groups it allows.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0020_tags'
down_revision = '0019_privacy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('topic_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['target_id'], ['tags.id'], name=op.f('fk_tags_target_id_tags'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tags_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
        sa.UniqueConstraint('name', name=op.f('uq_tags_name')),
    )
    op.create_table(
        'tag_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('translations', sa.JSON(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_groups')),
        sa.UniqueConstraint('name', name=op.f('uq_tag_groups_name')),
    )
    op.create_table(
        'tag_group_members',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['tag_groups.id'], name=op.f('fk_tag_group_members_group_id_tag_groups'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_group_members_tag_id_tags'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('group_id', 'tag_id', name=op.f('pk_tag_group_members')),
    )
    with op.batch_alter_table('tag_group_members', schema=None) as batch_op:
        batch_op.create_index('ix_tag_group_members_tag', ['tag_id'], unique=False)
    op.create_table(
        'topic_tags',
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_tags_topic_id_topics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_topic_tags_tag_id_tags'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('topic_id', 'tag_id', name=op.f('pk_topic_tags')),
    )
    with op.batch_alter_table('topic_tags', schema=None) as batch_op:
        batch_op.create_index('ix_topic_tags_tag', ['tag_id', 'topic_id'], unique=False)
    op.create_table(
        'category_tag_rules',
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('min_tags', sa.Integer(), nullable=False),
        sa.Column('required_group_id', sa.Integer(), nullable=True),
        sa.Column('allowed_group_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'],
                                name=op.f('fk_category_tag_rules_category_id_categories'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['required_group_id'], ['tag_groups.id'],
                                name=op.f('fk_category_tag_rules_required_group_id_tag_groups'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('category_id', name=op.f('pk_category_tag_rules')),
    )


def downgrade():
    op.drop_table('category_tag_rules')
    with op.batch_alter_table('topic_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_tags_tag')
    op.drop_table('topic_tags')
    with op.batch_alter_table('tag_group_members', schema=None) as batch_op:
        batch_op.drop_index('ix_tag_group_members_tag')
    op.drop_table('tag_group_members')
    op.drop_table('tag_groups')
    op.drop_table('tags')
