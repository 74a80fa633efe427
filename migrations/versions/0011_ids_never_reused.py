"""ids never reused: SQLite AUTOINCREMENT for notifications and post_reactions

Revision ID: 0011_ids_never_reused
Revises: 0010_reading
Create Date: 2026-12-05 05:30:00

SQLite hands the id of the newest row to the next one once that row is deleted (ROWID reuse),
and both tables lose their newest rows in normal use: taking back a like deletes its reaction,
and the author's unread notice about it when nothing is left in it. Ids there are keys:

- a reaction notice tells of the reactions with ids after the last one it told of, so a like
  given after an undo reused the undone like's id and was never told;
- a notice's mail is queued and sent once per notification id (``notification-email:<id>``,
  ``notification:<id>``), so the notice that reused a deleted notice's id never got its mail.

``AUTOINCREMENT`` makes SQLite's ids strictly increasing, as PostgreSQL's sequences already
are (nothing to do there). The tables are rebuilt with their rows, ids, indexes and keys.
"""
from alembic import op

revision = '0011_ids_never_reused'
down_revision = '0010_reading'
branch_labels = None
depends_on = None

TABLES = ('notifications', 'post_reactions')


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
