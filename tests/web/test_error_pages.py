"""The error pages never fail themselves: after a database error the session is rolled back
before the page (whose layout reads the database) is rendered."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError

from forum.extensions import db


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PROPAGATE_EXCEPTIONS": False}  # answer as production does, not re-raise to the test


def failed_flush() -> None:
    from forum.discussions.models import Category

    db.session.add(Category(slug=None, name=None))  # NOT NULL: the flush fails, the session needs a rollback
    db.session.flush()


def missing_table() -> None:
    # An OperationalError on SQLite (whose session stays usable: this case fails without the
    # rollback only on PostgreSQL), a ProgrammingError on PostgreSQL with the transaction
    # aborted. Either way a 500, never the 503 "unavailable" page.
    db.session.execute(text("SELECT * FROM no_such_table"))


@pytest.mark.parametrize("fail", [failed_flush, missing_table], ids=["failed-flush", "missing-table"])
def test_a_failed_statement_gives_the_sites_500_page_and_the_next_request_works(
        app: Any, client: Any, caplog: pytest.LogCaptureFixture, fail: Any) -> None:
    @app.get("/_broken-query")
    def broken() -> Any:
        fail()
        return "unreachable"

    with caplog.at_level(logging.ERROR):
        response = client.get("/_broken-query")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "<header" in page  # the site's layout (code of conduct, settings lookups), not the bare fallback
    assert "no_such_table" not in page and "NOT NULL" not in page  # no SQL or traceback shown
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "Exception on /_broken-query" in logged, "the error itself is logged"
    assert "PendingRollbackError" not in logged and "InFailedSqlTransaction" not in logged
    assert "could not be rendered" not in logged
    assert client.get("/").status_code == 200
    assert client.get("/code-of-conduct").status_code == 200


def test_an_unreachable_database_is_a_503_saying_so(app: Any, client: Any) -> None:
    @app.get("/_database-down")
    def down() -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    response = client.get("/_database-down")
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)


def test_the_error_page_falls_back_to_a_bare_page_when_the_layout_fails(
        app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    @app.get("/_broken-everything")
    def broken() -> Any:
        raise RuntimeError("boom")

    def layout_fails(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a template global needs the database")

    monkeypatch.setattr("forum.app.render_template", layout_fails)
    response = client.get("/_broken-everything")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong" in response.get_data(as_text=True)


def test_a_lost_connection_of_any_driver_error_class_is_a_503(app: Any, client: Any) -> None:
    @app.get("/_connection-lost")
    def lost() -> Any:
        raise InterfaceError("SELECT 1", {}, Exception("the connection is closed"), connection_invalidated=True)

    response = client.get("/_connection-lost")
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)
