"""Recording searches (what members look for, and what they do not find): one UPDATE, or one
INSERT when the query is new that day, in its own short transaction. Nothing about the searcher
but whether they were signed in. A day keeps at most ``insights_max_queries_per_day`` distinct
queries; past that, searches are counted under :data:`~forum.insights.models.OVERFLOW_QUERY`.

Only signed-in searches add a new query to the day: otherwise anyone could fill the day's
room with junk (real searches that found nothing would go to the overflow row, the junk onto
/insights). Visitors' searches still count, in a query's row if someone signed in made it, or
in the overflow row. A search another site makes the browser run (``Sec-Fetch-Site:
cross-site``, a link or a hidden frame elsewhere) is not counted at all."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date

from flask import Response, after_this_request, has_request_context, request
from flask_babel import get_locale
from sqlalchemy import func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from forum.db_types import utcnow
from forum.extensions import db
from forum.settings import get_setting

from ..models import MAX_QUERY_LENGTH, OVERFLOW_QUERY, SearchDay

log = logging.getLogger(__name__)

DEFAULT_MAX_QUERIES_PER_DAY = 1000
# Crawlers and link checkers: their searches say nothing about what members miss.
_BOTS = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-requests|httpclient|monitor|preview",
                   re.IGNORECASE)


def normalise(text: str) -> str:
    """Case, accents' composed form and spacing do not make two searches different."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())[:MAX_QUERY_LENGTH]


def is_cross_site() -> bool:
    return has_request_context() and request.headers.get("Sec-Fetch-Site", "") == "cross-site"


def is_bot() -> bool:
    if not has_request_context():
        return False
    agent = request.headers.get("User-Agent", "")
    return not agent or bool(_BOTS.search(agent))


def _language(language: str) -> str:
    if language:
        return language[:8]
    locale = get_locale() if has_request_context() else None
    return str(locale.language if locale else "")[:8]


def max_queries_per_day() -> int:
    try:
        return max(1, int(get_setting("insights_max_queries_per_day") or DEFAULT_MAX_QUERIES_PER_DAY))
    except (TypeError, ValueError):
        return DEFAULT_MAX_QUERIES_PER_DAY


def record_search(text: str, *, language: str, results: int, signed_in: bool) -> None:
    """The SearchRecorder insights contributes to search. In a request the count is written once
    the page is rendered (its commit would otherwise expire what the page still reads). Never
    raises: a statistic is not worth a failed search."""
    query = normalise(text)
    if not query or is_bot() or is_cross_site():
        return
    day, lang, empty = utcnow().date(), _language(language), results <= 0
    if has_request_context():
        @after_this_request
        def _count_after(response: Response) -> Response:
            _safely(day, query, lang, empty=empty, signed_in=signed_in)
            return response
    else:
        _safely(day, query, lang, empty=empty, signed_in=signed_in)


def _safely(day: date, query: str, language: str, *, empty: bool, signed_in: bool) -> None:
    try:
        _count(day, query, language, empty=empty, signed_in=signed_in)
    except SQLAlchemyError:
        log.warning("a search could not be counted", exc_info=True)
        db.session.rollback()


def _upsert(day: date, query: str, language: str, *, empty: bool, signed_in: bool, cap: int | None) -> bool:
    """One statement: add the search to its row, creating the row if the day has room for it
    (``cap`` distinct queries; None: always). True when counted."""
    dialect = db.session.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = select(literal(day, SearchDay.day.type), literal(query), literal(language), literal(1),
                    literal(int(empty)), literal(int(signed_in)))
    if cap is not None:
        same_day = (select(func.count()).select_from(SearchDay)  # the overflow row takes no room
                    .where(SearchDay.day == day, SearchDay.query != OVERFLOW_QUERY).scalar_subquery())
        known = select(SearchDay.id).where(SearchDay.day == day, SearchDay.query == query,
                                           SearchDay.language == language).exists()
        values = values.where(or_(same_day < cap, known))
    else:
        values = values.where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    statement = insert_(SearchDay).from_select(
        ["day", "query", "language", "searches", "no_results", "signed_in"], values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["day", "query", "language"],
        set_={"searches": SearchDay.searches + excluded.searches, "no_results": SearchDay.no_results
              + excluded.no_results, "signed_in": SearchDay.signed_in + excluded.signed_in})
    return db.session.execute(statement.returning(SearchDay.id)).first() is not None


def _count(day: date, query: str, language: str, *, empty: bool, signed_in: bool) -> None:
    """Past the day's cap, a new query is counted under OVERFLOW_QUERY (its words are dropped);
    a visitor's new query too (a cap of 0: only rows that exist take their searches)."""
    cap = max_queries_per_day() if signed_in else 0
    if not _upsert(day, query, language, empty=empty, signed_in=signed_in, cap=cap):
        _upsert(day, OVERFLOW_QUERY, language, empty=empty, signed_in=signed_in, cap=None)
    db.session.commit()
