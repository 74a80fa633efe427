"""Backup and restore of an embedded install (SQLite database, secret key), as one archive.

Policy:

* The SQLite file is copied with SQLite's online backup API, never as a plain file copy: a
  database in WAL mode keeps recent commits in ``-wal`` beside it, and a copy taken while the
  site writes can be torn. The backup API gives a consistent snapshot while the site keeps
  serving.
* The archive (``.tar.gz``) holds ``forum.db``, ``secret_key`` when the install keeps one in
  its instance folder (sessions and mailed links stay valid after a restore), and
  ``manifest.json`` (schema revision, row counts, time). It contains password hashes and the
  secret key: store it like the database itself.
* The domains' folders on disk (uploaded files on local storage, :class:`BackupFolder`) are
  archived under their names; restore puts them back.
* The search index is not archived: it is derived from the database, and ``restore`` rebuilds
  it (``forum reindex``).
* PostgreSQL installs use ``pg_dump -Fc`` / ``pg_restore`` (README), which do this job better;
  ``backup`` says so instead of half-doing it.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from forum.extensions import db
from forum.interfaces import BackupFolder
from forum.registry import contributions

DATABASE_MEMBER = "forum.db"
SECRET_MEMBER = "secret_key"  # noqa: S105 (the archive member's name, not a secret)
MANIFEST_MEMBER = "manifest.json"


class BackupError(Exception):
    """Shown to the operator as is."""


def sqlite_path() -> Path:
    """The database file of an embedded install; BackupError for any other database."""
    url = make_url(str(current_app.config["SQLALCHEMY_DATABASE_URI"]))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(f"{url.get_backend_name()} database: back it up with its own tools "
                          "(PostgreSQL: pg_dump -Fc, see README's Backups)")
    return Path(url.database)


def _secret_key_file() -> Path:
    return Path(current_app.instance_path) / "secret_key"


def _uses_instance_secret_key() -> bool:
    """Archive the key file only when it is the key in use (FORUM_SECRET_KEY set: the operator
    keeps it elsewhere, and a stray file must not overwrite anything at restore)."""
    path = _secret_key_file()
    return path.exists() and path.read_text().strip() == str(current_app.config["SECRET_KEY"])


def row_counts() -> dict[str, int]:
    return {table.name: int(db.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in db.metadata.sorted_tables}


def _schema_revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # a database made by create_all (tests) has no alembic table
        db.session.rollback()
        return None


def backup(archive: Path) -> dict[str, Any]:
    """Write a consistent archive of the embedded install to ``archive``; returns its manifest."""
    source = sqlite_path()
    if not source.exists():
        raise BackupError(f"no database at {source}")
    manifest = {"format": 1, "created_at": datetime.now(UTC).isoformat(), "schema_revision": _schema_revision(),
                "rows": row_counts()}
    db.session.rollback()  # hold no read transaction while SQLite copies
    with tempfile.TemporaryDirectory() as work:
        snapshot = Path(work) / DATABASE_MEMBER
        live, copy = sqlite3.connect(source), sqlite3.connect(snapshot)
        try:
            live.backup(copy)
        finally:
            copy.close()
            live.close()
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(snapshot, arcname=DATABASE_MEMBER)
            if _uses_instance_secret_key():
                tar.add(_secret_key_file(), arcname=SECRET_MEMBER)
            manifest["folders"] = _add_folders(tar)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, archive)  # never a half-written archive under the real name
    return manifest


def restore(archive: Path, *, force: bool = False) -> dict[str, Any]:
    """Put the archived database (and secret key) in place; the caller rebuilds the index.

    Refuses to replace an existing database unless ``force``: a restore is never an accident.
    """
    target = sqlite_path()
    with tarfile.open(archive, "r:gz") as tar:
        names = set(tar.getnames())
        if not {DATABASE_MEMBER, MANIFEST_MEMBER} <= names:
            raise BackupError(f"{archive} is not a Circolo backup (no {DATABASE_MEMBER} / {MANIFEST_MEMBER})")
        manifest_file = tar.extractfile(MANIFEST_MEMBER)
        assert manifest_file is not None
        manifest: dict[str, Any] = json.loads(manifest_file.read())
        if _holds_tables(target) and not force:
            raise BackupError(f"{target} exists; pass --force to replace it with the backup")
        db.session.remove()
        db.engine.dispose()  # no pooled connection may keep the old file open
        target.parent.mkdir(parents=True, exist_ok=True)
        _extract_to(tar, DATABASE_MEMBER, target)
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)  # a WAL of the replaced database must not be replayed onto it
        if SECRET_MEMBER in names:
            _extract_to(tar, SECRET_MEMBER, _secret_key_file())
        _restore_folders(tar)
    return manifest


def _add_folders(tar: tarfile.TarFile) -> dict[str, int]:
    """The domains' folders (uploaded files), file by file; how many files each held. Files are
    written once and never changed (a new photo is a new file), so copying them after the
    database snapshot never leaves the snapshot naming a file the archive lacks."""
    counts: dict[str, int] = {}
    for folder in contributions(BackupFolder):
        root = folder.path()
        if root is None or not Path(root).is_dir():
            continue
        count = 0
        for path in sorted(Path(root).rglob("*")):
            if path.is_file() and not path.name.startswith("~"):  # "~put-*": a write in progress
                tar.add(path, arcname=f"{folder.name}/{path.relative_to(root).as_posix()}", recursive=False)
                count += 1
        counts[folder.name] = count
    return counts


def _restore_folders(tar: tarfile.TarFile) -> None:
    folders = {folder.name: folder.path() for folder in contributions(BackupFolder)}
    for member in tar.getmembers():
        name, _, relative = member.name.partition("/")
        root = folders.get(name)
        if root is None or not member.isfile() or not relative:
            continue
        parts = PurePosixPath(relative).parts
        if PurePosixPath(relative).is_absolute() or ".." in parts:
            raise BackupError(f"refusing an archive member outside its folder: {member.name}")
        target = Path(root).joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        _extract_to(tar, member.name, target)


def _holds_tables(path: Path) -> bool:
    """An existing database with any table in it (starting the app leaves an empty file)."""
    if not path.exists():
        return False
    with closing(sqlite3.connect(path)) as connection:
        return bool(connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def _extract_to(tar: tarfile.TarFile, member: str, target: Path) -> None:
    source = tar.extractfile(member)
    assert source is not None
    partial = target.with_name(target.name + ".restoring")
    with open(partial, "wb") as out:
        out.write(source.read())
    os.replace(partial, target)
