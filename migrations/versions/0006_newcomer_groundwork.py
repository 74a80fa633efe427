"""what a newcomer trips on: colour scheme, post language choice, translated admin texts,
notifications rendered at read time

Revision ID: 0006_newcomer_groundwork
Revises: 0005_cohost_invitations
Create Date: 2026-12-05 02:00:00

- ``users.color_scheme``: "light" / "dark", empty = follow the device.
- ``posts.language_chosen``: the author corrected the detected language; edits keep it.
- ``categories.translations`` and ``codes_of_conduct.translations``: the admin's text in the
  other community languages (``{"it": {...}}``); the columns keep the default language's.
- ``coc_acceptances.language``: the language of the text the member accepted (empty for the
  acceptances made before translations existed: they read the only text there was).
- ``notifications.params``: the kind's parameters, rendered in the reader's language when
  shown; ``message`` becomes optional (kept for the notices stored before).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_newcomer_groundwork'
down_revision = '0005_cohost_invitations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('color_scheme', sa.String(length=8), nullable=True))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_chosen', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('codes_of_conduct', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('coc_acceptances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.alter_column('message', existing_type=sa.Text(), nullable=True)


def downgrade():
    # Notices written after the upgrade may have no stored sentence: give them their kind.
    op.execute("UPDATE notifications SET message = kind WHERE message IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('message', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('params')
    with op.batch_alter_table('coc_acceptances', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('codes_of_conduct', schema=None) as batch_op:
        batch_op.drop_column('translations')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('translations')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('language_chosen')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('color_scheme')
