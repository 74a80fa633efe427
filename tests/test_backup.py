"""`forum backup` / `forum restore` on an embedded install: back up a seeded forum, wipe it,
restore it, and find every row, counter and search hit back."""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from forum.app import create_app
from forum.backup import row_counts
from forum.cli import ensure_default_data
from forum.discussions import integrity
from forum.discussions.models import Post
from forum.extensions import db
from forum.uploads import services as uploads
from tests.factories import make_reply, make_topic, make_user
from tests.uploads import image_samples

pytestmark = pytest.mark.committing  # its own SQLite file, written by the CLI's own connections


def embedded_app(root: Path) -> Any:
    return create_app({
        "TESTING": True, "SECRET_KEY": "backup-test-key", "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'forum.db'}", "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(root / "search"), "PUBLIC_URL": "http://forum.test", "MAIL_DELIVERY": "inline",
        "STORAGE_URL": f"file://{root / 'uploads'}",
    })


def search_titles(app: Any, words: str) -> str:
    response = app.test_client().get("/search", query_string={"q": words}, base_url="http://forum.test")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_backup_wipe_restore_brings_back_every_row_counter_and_search_hit(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    app = embedded_app(root)
    with app.app_context():
        db.create_all()
        ensure_default_data()
        giulia = make_user("giulia")
        topic = make_topic(giulia, title="Descaling the Moka Express", body="Use citric acid, never vinegar.")
        for n in range(3):
            make_reply(topic, make_user(f"helper{n}"), f"Reply number {n} about descaling.")
        photo = uploads.accept_upload(giulia, "moka.png", image_samples.photo_png()).upload
        make_reply(topic, giulia, "My Moka after descaling " + uploads.markdown_for(photo))
        photo_path, photo_bytes = uploads.file_path(photo), uploads.file_storage().read(uploads.main_key(photo))
        before = row_counts()
        db.session.execute(db.text("PRAGMA journal_mode=WAL"))  # recent commits live in -wal
        db.session.commit()
    assert "Descaling the Moka Express" in search_titles(app, "descaling")
    with app.app_context():
        before = row_counts()  # the search is counted too (insights' statistics): part of what is backed up

    archive = tmp_path / "forum-backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["forum", "backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backed up 5 posts" in result.output
    with tarfile.open(archive) as tar:
        assert {"forum.db", "manifest.json"} <= set(tar.getnames())

    # Wipe: the database, its WAL and the search index are gone.
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    for leftover in root.glob("forum.db*"):
        leftover.unlink()
    shutil.rmtree(root / "search")
    shutil.rmtree(root / "uploads")

    restored = embedded_app(root)
    result = restored.test_cli_runner().invoke(args=["forum", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "all counters match the rows" in result.output
    with restored.app_context():
        assert row_counts() == before
        assert integrity.check(db.session) == []
        assert len(db.session.scalars(select(Post)).all()) == 5
    served = restored.test_client().get(photo_path, base_url="http://forum.test")
    assert served.status_code == 200 and served.get_data() == photo_bytes
    assert "Descaling the Moka Express" in search_titles(restored, "descaling")
    assert "citric" in search_titles(restored, "citric").lower()


def test_restore_never_replaces_a_database_by_accident(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    app = embedded_app(root)
    with app.app_context():
        db.create_all()
        ensure_default_data()
    archive = tmp_path / "b.tar.gz"
    assert app.test_cli_runner().invoke(args=["forum", "backup", str(archive)]).exit_code == 0
    refused = app.test_cli_runner().invoke(args=["forum", "restore", str(archive)])
    assert refused.exit_code != 0 and "--force" in refused.output
    forced = app.test_cli_runner().invoke(args=["forum", "restore", "--force", str(archive)])
    assert forced.exit_code == 0, forced.output
    sqlite3.connect(root / "forum.db").execute("SELECT count(*) FROM users").fetchone()


def test_backup_of_a_postgresql_install_points_to_pg_dump(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SEARCH_BACKEND": "null",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:5432/test"})
    result = app.test_cli_runner().invoke(args=["forum", "backup", str(tmp_path / "x.tar.gz")])
    assert result.exit_code != 0 and "pg_dump -Fc" in result.output
    assert not (tmp_path / "x.tar.gz").exists()


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_SCRATCH = "circolo_backup_test"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(sql)


@pytest.fixture
def scratch_postgres() -> Any:
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed")
    try:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_SCRATCH} WITH (FORCE)")
    except Exception as exc:  # no server: the SQLite half of the README still holds
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    _pg_admin(f"CREATE DATABASE {PG_SCRATCH}")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_SCRATCH}"
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_SCRATCH} WITH (FORCE)")


def test_the_readmes_pg_dump_and_pg_restore_bring_everything_back(tmp_path: Path, scratch_postgres: str) -> None:
    import subprocess

    def pg_app() -> Any:
        return create_app({"TESTING": True, "SECRET_KEY": "k", "RATELIMIT_ENABLED": False, "MAIL_DELIVERY": "inline",
                           "SQLALCHEMY_DATABASE_URI": scratch_postgres, "SEARCH_BACKEND": "whoosh",
                           "SEARCH_INDEX_DIR": str(tmp_path / "search"), "PUBLIC_URL": "http://forum.test"})

    app = pg_app()
    with app.app_context():
        db.create_all()
        ensure_default_data()
        topic = make_topic(make_user("giulia"), title="Steaming milk on induction", body="Low heat works.")
        make_reply(topic, make_user("marco"), "Induction needs a steel jug.")
        before = row_counts()
        db.session.remove()
        db.engine.dispose()
    dump = tmp_path / "forum.dump"
    subprocess.run(["pg_dump", "-Fc", "-h", "127.0.0.1", "-U", "postgres", "-f", str(dump), PG_SCRATCH], check=True)
    _pg_admin(f"DROP DATABASE {PG_SCRATCH} WITH (FORCE)")
    shutil.rmtree(tmp_path / "search", ignore_errors=True)
    _pg_admin(f"CREATE DATABASE {PG_SCRATCH}")
    subprocess.run(["pg_restore", "--no-owner", "-h", "127.0.0.1", "-U", "postgres", "-d", PG_SCRATCH, str(dump)],
                   check=True)

    restored = pg_app()
    assert restored.test_cli_runner().invoke(args=["forum", "reindex"]).exit_code == 0
    with restored.app_context():
        assert row_counts() == before
        assert integrity.check(db.session) == []
        db.session.remove()
        db.engine.dispose()
    assert "Steaming milk on induction" in search_titles(restored, "induction")
