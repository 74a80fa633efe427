"""browser language: what a member's browser asks for, for mail; notices by post and newest first

Revision ID: 0012_browser_language
Revises: 0011_ids_never_reused
Create Date: 2026-12-05 05:40:00

- ``users.browser_locale`` / ``users.browser_timezone``: a member who keeps "the browser's
  language" and "the browser's time zone" (``locale``/``timezone`` NULL) reads the site in what
  their browser asks for, but mail is written away from any browser: these remember what it
  last asked for (set at registration and with each noted visit), so an Italian member's
  notices and summaries come in Italian, with Rome's times.
- ``ix_notifications_post`` (post_id, user_id): the fan-out's "who already has a notice about
  this post" and a reaction notice's lookup, without scanning the table.
- ``ix_notifications_user_id`` (user_id, id): the bell's menu and the notifications page read a
  member's newest notices and stop, instead of sorting their whole history.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_browser_language'
down_revision = '0011_ids_never_reused'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_locale', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('browser_timezone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_post', ['post_id', 'user_id'], unique=False)
        batch_op.create_index('ix_notifications_user_id', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id')
        batch_op.drop_index('ix_notifications_post')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('browser_timezone')
        batch_op.drop_column('browser_locale')
