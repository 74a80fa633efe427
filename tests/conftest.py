"""Shared fixtures: a real database (SQLite file, or PostgreSQL when asked), the app, clients.

Choose the database with ``FORUM_TEST_DATABASE``: ``sqlite`` (default) or ``postgresql``
(``FORUM_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
Each xdist worker gets its own PostgreSQL database, created from that URL's server.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FsaSession
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from forum import create_app
from forum.extensions import db

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def backend() -> str:
    return os.environ.get("FORUM_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    if backend() != "postgresql":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "forum.db")
        shared_apps.clear()
        return
    base = os.environ.get("FORUM_TEST_POSTGRES_URL", DEFAULT_PG)
    name = f"circolo_test_{worker_id}_{os.getpid()}"  # unique even when two runs share the server
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    shared_apps.clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_schema_ready: dict[str, frozenset[str]] = {}


def make_app(database_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_BACKEND": "null",
        "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "STORAGE_URL": f"file://{tmp_path / 'uploads'}",  # uploaded files never land in the checkout
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "forum.test",
        "PUBLIC_URL": "http://forum.test",
        "MAIL_DELIVERY": "inline",  # the outbox is filled before the request returns
        # Searches in tests find everything even on a loaded machine (budget tests set their own).
        "SEARCH_TIME_BUDGET_SECONDS": 30,
        # No settings-version query on a timer: query counts must not depend on the clock
        # (tests/web/test_live_settings.py turns it on).
        "SETTINGS_CHECK_SECONDS": None,
        # A request's jobs run right after it, in the test's transaction (tests/jobs run the
        # real queue, on SQLite and on Redis).
        "JOBS_MODE": "inline",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the app's config for its tests."""
    return {}


class SharedApps:
    """Apps reused between rollback-isolated tests with the same configuration.

    Building an app costs about 80 ms (mostly Werkzeug compiling ~120 URL rules), a large
    share of a typical test. An app is reused only when nothing in it can carry one test's
    state into the next: the null search backend (an index on disk is not rolled back),
    rate limiting off (the limiter's storage keeps counts), no path of the test's own in
    its configuration, and the same ``FORUM_*`` environment. Mail outbox and null index
    are emptied before each reuse; after each test, an app whose configuration, plugins,
    extensions, routes, hooks or template globals changed (a test registered a plugin, say)
    is thrown away rather than handed to the next test.
    """

    size = 6

    def __init__(self) -> None:
        self._apps: dict[str, tuple[Flask, str]] = {}
        self._dir: Path | None = None

    def key(self, database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> str | None:
        env = sorted((k, v) for k, v in os.environ.items() if k.startswith("FORUM_"))
        key = repr((database_url, sorted(app_config.items()), env))
        return None if str(tmp_path) in key else key

    def checkout(self, key: str, database_url: str, tmp_path_factory: pytest.TempPathFactory,
                 app_config: dict[str, Any]) -> Flask | None:
        """A clean app for ``key`` (built now if needed), or None if such an app is not shareable."""
        if key in self._apps:
            app, _ = self._apps.pop(key)
            self._apps[key] = (app, _)  # most recently used last
            _clean_app_state(app)
            return app
        if self._dir is None:
            self._dir = tmp_path_factory.mktemp("shared-app")
        app = make_app(database_url, self._dir, **app_config)
        app.test_client_class = FormClient  # as the client fixture sets it
        if app.config["SEARCH_BACKEND"] != "null" or app.config["RATELIMIT_ENABLED"]:
            return app  # used once, like an unshared one
        self._apps[key] = (app, app_fingerprint(app))
        while len(self._apps) > self.size:
            self._drop(next(iter(self._apps)))
        return app

    def is_shared(self, app: Flask) -> bool:
        return any(shared is app for shared, _ in self._apps.values())

    def checkin(self, app: Flask) -> None:
        """After a test: keep the app only if the test left it as it was built."""
        for key, (shared, fingerprint) in list(self._apps.items()):
            if shared is app and app_fingerprint(app) != fingerprint:
                self._drop(key)

    def _drop(self, key: str) -> None:
        app, _ = self._apps.pop(key)
        with app.app_context():
            db.engine.dispose()

    def clear(self) -> None:
        for key in list(self._apps):
            self._drop(key)


shared_apps = SharedApps()


def app_fingerprint(app: Flask) -> str:
    """What a test could change in an app that a rollback does not undo."""
    pm = app.extensions["forum.plugins"]
    hooks = {name: repr(getattr(app, name)) for name in (
        "before_request_funcs", "after_request_funcs", "teardown_request_funcs", "teardown_appcontext_funcs",
        "template_context_processors", "url_value_preprocessors", "url_default_functions", "error_handler_spec")}
    return repr([
        sorted((k, repr(v)) for k, v in app.config.items()),
        sorted((name, id(plugin)) for name, plugin in pm.list_name_plugin()),
        sorted((name, id(ext)) for name, ext in app.extensions.items()),
        sorted(app.view_functions), sorted(app.blueprints), sorted(str(r) for r in app.url_map.iter_rules()),
        sorted(app.jinja_env.globals), sorted(app.jinja_env.filters), sorted(app.jinja_env.tests),
        repr(app.jinja_loader), app.test_client_class, hooks,
    ])


def _clean_app_state(app: Flask) -> None:
    """In-memory state of a reused app that belongs to the previous test, or to the last app
    built: Flask-Limiter's ``limiter`` is one object for every app of the process, and each
    ``init_app`` switches it on or off for all of them."""
    from forum.extensions import limiter
    from forum.search.index import NullSearchIndex

    limiter.enabled = bool(app.config["RATELIMIT_ENABLED"])

    holder = app.extensions.get("forum.jobs.inline")  # jobs the previous test queued and never ran
    if holder is not None:
        holder.__dict__.clear()
    outbox = getattr(app.extensions.get("forum.mail"), "outbox", None)
    if outbox is not None:
        outbox.clear()
    index = app.extensions.get("forum.search")
    if isinstance(index, NullSearchIndex):
        index.clear()


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
        app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app, in an app context, on a database holding only the default data.

    Each test runs inside one connection-level transaction that is rolled back at the end;
    ``db.session`` (in the test and in every request) is joined to it through savepoints,
    so services commit as usual. Tests marked ``committing`` (threads, processes, a served
    app, the CLI's own connections) get real commits instead, every table is emptied after
    them, and they always get an app of their own. Rollback-isolated tests may get an app
    that earlier tests with the same configuration used (see ``SharedApps``).
    """
    committing = request.node.get_closest_marker("committing") is not None
    key = None if committing else shared_apps.key(database_url, tmp_path, app_config)
    if key is None:
        app = make_app(database_url, tmp_path, **app_config)
    else:
        app = shared_apps.checkout(key, database_url, tmp_path_factory, app_config)
    shared = shared_apps.is_shared(app)
    with app.app_context():
        _prepare_schema(database_url)
        if committing:
            yield from _committing(app)
        else:
            with _rolled_back():
                yield app
        db.session.remove()
        if not shared:
            db.engine.dispose()
    if shared:
        shared_apps.checkin(app)


def _prepare_schema(database_url: str) -> None:
    # Plugins loaded by this app may bring tables the first app of the run did not have.
    tables = frozenset(db.metadata.tables)
    if database_url not in _schema_ready:
        db.drop_all()
        db.create_all()
        _schema_ready[database_url] = tables
        _seed_default_data()
    elif not tables <= _schema_ready[database_url]:
        db.create_all()
        _schema_ready[database_url] = _schema_ready[database_url] | tables


def _seed_default_data() -> None:
    """The committed starting point of every test (rollback tests return to it by rolling back)."""
    from forum.cli import ensure_default_data

    ensure_default_data()
    db.session.remove()


def _committing(app: Flask) -> Iterator[Flask]:
    _seed_default_data()  # idempotent: restores it if a test run was interrupted
    try:
        yield app
    finally:
        db.session.remove()
        _empty_tables()
        _seed_default_data()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # A served app may still be finishing a request or its jobs (a read beacon, a reaction's
        # notice) when the test ends: TRUNCATE can then lose a deadlock to it. Try again.
        statement = text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        for attempt in range(10):
            try:
                with db.engine.begin() as conn:
                    conn.execute(statement)
                return
            except OperationalError:
                if attempt == 9:
                    raise
                time.sleep(0.2 * (attempt + 1))
    with db.engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for t in tables:
            conn.execute(text(f'DELETE FROM "{t}"'))
        conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
            text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first() else None
        conn.execute(text("PRAGMA foreign_keys=ON"))


_isolation: dict[str, int | None] = {"thread": None}  # the test's thread while a rollback test runs


class _JoinedSession(FsaSession):
    """A Flask-SQLAlchemy session that always uses the test's connection.

    Flask-SQLAlchemy's ``get_bind`` picks the app's engine from ``db.engines`` and ignores
    ``bind``; the test's connection must win, for every app (a test may build a second one).
    """

    def __init__(self, db: Any, **kwargs: Any) -> None:
        if threading.get_ident() != _isolation["thread"]:
            raise RuntimeError("a session opened in another thread during a rollback-isolated test: "
                               "mark the test @pytest.mark.committing")
        super().__init__(db, **kwargs)

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


def _emit_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


@contextmanager
def _rolled_back() -> Iterator[Connection]:
    """One outer transaction for the whole test; sessions join it through savepoints.

    pysqlite needs SQLAlchemy's recipe for SAVEPOINT to work: its own implicit BEGIN
    (which skips SELECT and SAVEPOINT) is switched off and BEGIN is emitted on ``begin``.
    Only this connection is changed; the app's other connections keep the driver's defaults
    and the WAL/foreign-key pragmas the app sets on connect.
    """
    connection = db.engine.connect()
    driver = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        legacy = driver.isolation_level  # type: ignore[union-attr]
        driver.isolation_level = None  # type: ignore[union-attr]
        event.listen(connection, "begin", _emit_begin)
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {"class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"})
    _isolation["thread"] = threading.get_ident()
    try:
        yield connection
    finally:
        db.session.remove()
        db.session = original
        _isolation["thread"] = None
        if outer.is_active:
            outer.rollback()
        if sqlite:
            event.remove(connection, "begin", _emit_begin)
            driver.isolation_level = legacy  # type: ignore[union-attr]
        connection.close()


def in_rollback_test() -> bool:
    return _isolation["thread"] is not None


def _close_test_savepoint() -> None:
    """Under rollback isolation the test's session and each request's share one connection:
    a savepoint the test's session holds open would enclose what the request commits (and a
    later rollback of the test's session would undo it). With nothing pending, end it first,
    as the separate transaction it stands for would have ended by the time a browser asks."""
    if not in_rollback_test() or not has_app_context():
        return
    session = db.session.registry()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


class FormClient(FlaskClient):
    """A test client that sends the CSRF token like a browser would (from a rendered form).

    Each request runs in a fresh app context, as in production: otherwise the test's own
    context (and its ``g``, where Flask-Login caches the user) would leak between requests.
    Under rollback isolation the request's session is joined to the test's connection, so
    each sees what the other committed. After every request the checks a suite registered
    (``checks``) run, e.g. the counter oracle in the discussions and moderation suites.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        _close_test_savepoint()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's session sees what the request committed
        if checks.after_request:
            request = response.request
            checks.run(checks.after_request, f"after {request.method} {request.full_path.rstrip('?')}")
        return response

    def csrf_token(self) -> str:
        page = self.get("/code-of-conduct").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, "no csrf_token on the page"
        return match.group(1)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=payload, **kwargs)

    def login(self, username: str, password: str = "correct horse battery") -> Any:
        return self.post_form("/login", {"login": username, "password": password})


@pytest.fixture
def client(app: Flask) -> FormClient:
    app.test_client_class = FormClient
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def outbox(app: Flask) -> list[Any]:
    from forum.mail import outbox as get_outbox

    box = get_outbox()
    box.clear()
    return box


class Checks:
    """Checks a suite runs after every request of the test client and at the end of every
    test (inside the test's call, so a failure fails the test itself). Suites register them
    with an autouse fixture (see tests/discussions/conftest.py)."""

    def __init__(self) -> None:
        self.after_request: list[Callable[[str], None]] = []
        self.end_of_test: list[Callable[[str], None]] = []
        self.running = False  # query counters ignore the checks' own SQL

    def run(self, which: list[Callable[[str], None]], when: str) -> None:
        self.running = True
        try:
            for check in list(which):
                check(when)
        finally:
            self.running = False

    @contextmanager
    def registered(self, check: Callable[[str], None]) -> Iterator[None]:
        self.after_request.append(check)
        self.end_of_test.append(check)
        try:
            yield
        finally:
            self.after_request.remove(check)
            self.end_of_test.remove(check)


checks = Checks()

# A site path standing on its own in a mail body ("see /t/5"): mail is read elsewhere, later, so
# every link in it must be absolute (built from FORUM_PUBLIC_URL by forum.urls).
RELATIVE_LINK = re.compile(r"(?:^|[\s(\"'])(/[a-z][\w\-./?=&%#]*)", re.MULTILINE)


@pytest.fixture(autouse=True)
def mail_links_are_absolute() -> Iterator[None]:
    """At the end of every test, every mail its app sent has only absolute links."""

    def check(when: str) -> None:
        if not has_app_context():
            return
        from forum.mail import outbox

        for message in outbox():
            relative = RELATIVE_LINK.findall(message.body)
            assert not relative, f"relative link(s) {relative} in the mail {message.subject!r}:\n{message.body}"

    checks.end_of_test.append(check)
    try:
        yield
    finally:
        checks.end_of_test.remove(check)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Any:
    result = yield  # an exception from the test itself propagates and skips the checks
    checks.run(checks.end_of_test, "at the end of the test")
    return result


@pytest.fixture
def counters_ok(app: Flask) -> Callable[[], None]:
    """``counters_ok()``: every denormalised counter agrees with the rows (tests/invariants.py)."""
    from tests.invariants import assert_invariants

    def check() -> None:
        assert_invariants()
        db.session.expire_all()  # what the test reads next comes from the database

    return check


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Transaction control is not a query (savepoints come from rollback isolation).
        if checks.running:
            return
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK TO", "BEGIN")):
            self.statements.append(statement)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[Any]:
    """``with count_queries() as q: ...; q.count``: SQL statements run inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    yield counting


def corpora_path() -> Path:
    """Where the shared corpora are: ``FORUM_CORPORA_DIR``, else ../shared/corpora."""
    return Path(os.environ.get("FORUM_CORPORA_DIR", CORPORA))


def corpora_missing(reason: str) -> NoReturn:
    """Skip a test that needs the shared corpora; in CI (``CI`` set) fail it instead, so a
    missing copy of shared/ never turns the corpora tests into silent skips."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the corpora tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def corpora() -> Path:
    path = corpora_path()
    if not path.is_dir():
        corpora_missing(f"shared corpora not found at {path} (set FORUM_CORPORA_DIR)")
    return path


pytest_plugins = ["tests.factories"]
