"""sign-in sessions and per-account login throttling (security issue)

Revision ID: 0003_account_sessions
Revises: 0002_review_subjects
Create Date: 2026-12-02 10:45:00

- ``auth_sessions``: one row per signed-in browser; logout revokes it (accounts.sessions).
  Cookies issued before this migration name no row, so everybody signs in once more.
- ``account_throttles``: failed sign-ins and reset mails counted per account, shared by all
  workers (accounts.throttle).
- ``users.username_skeleton``: what a name looks like (forum.text.lookalike_skeleton), filled
  here for existing members. It is a plain index, not a unique one: members whose names
  already look alike must survive the upgrade; new lookalikes are refused at validation.
  ``username_canonical`` (and its unique constraint) keeps its meaning, so no lookup changes.
"""
from alembic import op
import sqlalchemy as sa

from forum.db_types import UTCDateTime


revision = '0003_account_sessions'
down_revision = '0002_review_subjects'
branch_labels = None
depends_on = None


def _skeleton(name):
    # The rule as it stood when this migration was written; a later change of the rule brings
    # its own data migration. Imported lazily so the rule is the application's one.
    from forum.text import lookalike_skeleton

    return lookalike_skeleton(name)


def upgrade():
    op.create_table('auth_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=120), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_sessions_token_hash'))
    )
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('account_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('locked_until', UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_at', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_account_throttles'))
    )
    with op.batch_alter_table('account_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_throttles_window_start'), ['window_start'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_skeleton', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_username_skeleton'), ['username_skeleton'], unique=False)

    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('username', sa.String()),
                     sa.column('username_skeleton', sa.String()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.username)).fetchall()
    for start in range(0, len(rows), 1000):
        batch = [{"uid": uid, "skel": _skeleton(name)[:64]} for uid, name in rows[start:start + 1000]]
        conn.execute(users.update().where(users.c.id == sa.bindparam("uid"))
                     .values(username_skeleton=sa.bindparam("skel")), batch)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_username_skeleton'))
        batch_op.drop_column('username_skeleton')
    with op.batch_alter_table('account_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_throttles_window_start'))
    op.drop_table('account_throttles')
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_sessions_user_id'))
    op.drop_table('auth_sessions')
