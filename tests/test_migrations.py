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
