"""The error pages never fail themselves: after a database error the session is rolled back
before the page (whose layout reads the database) is rendered."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from forum.extensions import db


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PROPAGATE_EXCEPTIONS": False}  # answer as production does, not re-raise to the test


def test_a_failed_statement_gives_the_sites_500_page_and_the_next_request_works(app: Any, client: Any) -> None:
    @app.get("/_broken-query")
    def broken() -> Any:
        from forum.discussions.models import Category

        db.session.add(Category(slug=None, name=None))  # NOT NULL: the flush fails, the session needs a rollback
        db.session.flush()
        return "unreachable"

    response = client.get("/_broken-query")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert 'href="/"' in page or "site-header" in page or "<header" in page  # the site's layout, not a bare page
    assert client.get("/").status_code == 200


def test_an_unreachable_database_is_a_503_saying_so(app: Any, client: Any) -> None:
    @app.get("/_database-down")
    def down() -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    response = client.get("/_database-down")
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)
