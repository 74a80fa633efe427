"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from forum import create_app
from forum.extensions import db
from tests.conftest import DEFAULT_PG, backend


@pytest.fixture
def empty_database_url(tmp_path: Path, worker_id: str) -> Iterator[str]:
    if backend() != "postgresql":
        yield "sqlite:///" + str(tmp_path / "migrated.db")
        return
    import os

    base = os.environ.get("FORUM_TEST_POSTGRES_URL", DEFAULT_PG)
    name = f"circolo_migrations_{worker_id}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_init_migrates_an_empty_database_to_the_models_schema(empty_database_url, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "SEARCH_BACKEND": "null", "SEARCH_INDEX_DIR": str(tmp_path / "s")})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "init"])
    assert result.exit_code == 0, result.output
    # Idempotent: a second run changes nothing and does not fail.
    assert runner.invoke(args=["forum", "init"]).exit_code == 0
    with app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], "models and migrations disagree: run `flask db migrate`"
        db.engine.dispose()


def test_sqlite_never_reuses_notification_and_reaction_ids(tmp_path):
    """0011: their ids are keys (a notice's mail, a reaction notice's window); the upgrade
    keeps every row and id, and a deleted newest row's id is not handed out again."""
    from flask_migrate import downgrade, upgrade

    from forum.cli import _migrations_dir

    url = "sqlite:///" + str(tmp_path / "ids.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_BACKEND": "null", "SEARCH_INDEX_DIR": str(tmp_path / "s")})
    migrations = str(_migrations_dir())
    with app.app_context():
        upgrade(directory=migrations, revision="0010_reading")
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))  # rows of member 1, whom this test does not make
            for n in (1, 2):
                conn.execute(text("INSERT INTO notifications (id, user_id, kind, created_at) "
                                  f"VALUES ({n}, 1, 'mentioned', '2026-01-01')"))
        upgrade(directory=migrations, revision="heads")

        def schema(table: str) -> str:
            with db.engine.connect() as conn:
                return str(conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar())

        assert "AUTOINCREMENT" in schema("notifications") and "AUTOINCREMENT" in schema("post_reactions")
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            assert conn.execute(text("SELECT id FROM notifications ORDER BY id")).scalars().all() == [1, 2]
            conn.execute(text("DELETE FROM notifications WHERE id = 2"))
            conn.execute(text("INSERT INTO notifications (user_id, kind, created_at) "
                              "VALUES (1, 'mentioned', '2026-01-02')"))
            assert conn.execute(text("SELECT id FROM notifications ORDER BY id")).scalars().all() == [1, 3]
        downgrade(directory=migrations, revision="0010_reading")
        assert "AUTOINCREMENT" not in schema("notifications")
        db.engine.dispose()
