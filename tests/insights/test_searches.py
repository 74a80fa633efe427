"""Searches are counted by query and language (no user, no address), bounded per day, and the
dashboard lists those that found nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.db_types import utcnow
from forum.extensions import db
from forum.insights import services
from forum.insights.models import OVERFLOW_QUERY, SearchDay
from forum.settings import set_setting
from tests.factories import make_topic, make_user


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def _rows() -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r.query, r.language): (r.searches, r.no_results, r.signed_in)
            for r in db.session.scalars(select(SearchDay).where(SearchDay.day == utcnow().date()))}


def test_a_search_with_no_results_is_counted_with_its_language(client):
    make_topic(make_user("writer"), title="Descaling the Moka Pro", body="Descaling the Moka Pro every month.")
    make_user("ann")
    client.login("ann")
    assert client.get("/search?q=  Grinder   NOISE ").status_code == 200
    client.get("/search?q=grinder noise&page=2")  # turning pages is the same search
    client.get("/search?q=descaling", headers={"Accept-Language": "it"})
    client.application.test_client().get("/search?q=grinder noise")  # a visitor: counted in the row
    rows = _rows()
    assert rows[("grinder noise", "en")] == (2, 2, 1)
    assert rows[("descaling", "it")][1] == 0  # found the topic
    assert set(SearchDay.__table__.columns.keys()) == {"id", "day", "query", "language", "searches",
                                                       "no_results", "signed_in"}  # nothing about who


def test_empty_searches_and_bots_are_not_counted(client):
    client.get("/search?q=%20%20")
    client.get("/search?q=coffee", headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    client.get("/search?q=coffee", headers={"User-Agent": ""})
    assert _rows() == {}


def test_visitors_add_no_new_queries_but_are_counted(client):
    """Junk from visitors cannot fill the day's room nor show on /insights."""
    set_setting("insights_max_queries_per_day", 2)
    db.session.commit()
    for junk in ("junk one", "junk two", "junk three"):
        client.get(f"/search?q={junk}")
    services.record_search("portafilter", language="en", results=0, signed_in=True)
    services.record_search("portafilter", language="en", results=0, signed_in=False)
    services.record_search("tamper", language="en", results=0, signed_in=True)
    rows = _rows()
    assert set(rows) == {("portafilter", "en"), ("tamper", "en"), (OVERFLOW_QUERY, "en")}
    assert rows[("portafilter", "en")] == (2, 2, 1) and rows[(OVERFLOW_QUERY, "en")] == (3, 3, 0)


def test_searches_other_sites_make_the_browser_run_are_not_counted(client):
    make_user("ann")
    client.login("ann")
    client.get("/search?q=grinder", headers={"Sec-Fetch-Site": "cross-site"})
    assert _rows() == {}
    client.get("/search?q=grinder", headers={"Sec-Fetch-Site": "same-origin"})
    assert _rows() == {("grinder", "en"): (1, 1, 1)}


def test_at_most_so_many_distinct_queries_a_day(app):
    set_setting("insights_max_queries_per_day", 3)
    db.session.commit()
    for word in ("alpha", "beta", "gamma", "delta", "epsilon", "alpha"):
        services.record_search(word, language="en", results=0, signed_in=True)
    rows = _rows()
    assert len(rows) == 4  # three distinct queries, then the overflow bucket
    assert rows[("alpha", "en")][0] == 2 and rows[(OVERFLOW_QUERY, "en")][0] == 2
    assert db.session.scalar(select(func.sum(SearchDay.searches))) == 6  # every search still counted


def test_refreshed_day_adds_the_searches_up(app):
    services.record_search("grinder", language="en", results=0, signed_in=True)
    services.record_search("grinder", language="en", results=4, signed_in=True)
    services.refresh_day(utcnow().date())
    board = services.dashboard(make_user("mod", role="moderator"), services.Slice(utcnow().date(), utcnow().date()))
    assert (board.totals["searches"], board.totals["searches_no_results"]) == (2, 1)
    assert [(m.query, m.searches, m.no_results) for m in board.missed] == [("grinder", 2, 1)]


def test_searches_csv_defuses_formulas(client):
    services.record_search("=cmd|' /C calc'!A0", language="en", results=0, signed_in=True)
    services.refresh_day(utcnow().date())
    make_user("mod", role="moderator")
    client.login("mod")
    text = client.get("/insights/export.csv?what=searches&days=7").get_data(as_text=True)
    assert "'=cmd" in text and "\n=cmd" not in text
