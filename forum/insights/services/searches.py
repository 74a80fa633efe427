"""Recording searches (what members look for, and what they do not find): one UPDATE, or one
INSERT when the query is new that day, in its own short transaction. Nothing about the searcher
but whether they were signed in. A day keeps at most ``insights_max_queries_per_day`` distinct
queries; past that, searches are counted under :data:`~forum.insights.models.OVERFLOW_QUERY`."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date

from flask import has_request_context, request
from flask_babel import get_locale
from sqlalchemy import func, insert, literal, select, update
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
    """The SearchRecorder insights contributes to search. Never raises: a statistic is not worth
    a failed search."""
    query = normalise(text)
    if not query or is_bot():
        return
    try:
        _count(utcnow().date(), query, _language(language), empty=results <= 0, signed_in=signed_in)
    except SQLAlchemyError:
        log.warning("a search could not be counted", exc_info=True)
        db.session.rollback()


def _count(day: date, query: str, language: str, *, empty: bool, signed_in: bool) -> None:
    # A search is a read: nothing else is pending in the session, so this commits only the count.
    bump = {"searches": SearchDay.searches + 1, "no_results": SearchDay.no_results + int(empty),
            "signed_in": SearchDay.signed_in + int(signed_in)}
    for candidate in (query, OVERFLOW_QUERY):
        done = db.session.execute(update(SearchDay).where(
            SearchDay.day == day, SearchDay.query == candidate, SearchDay.language == language).values(**bump)
            .returning(SearchDay.id)).first()
        if done is not None:
            break
        room = select(func.count()).select_from(SearchDay).where(SearchDay.day == day).scalar_subquery()
        cap = max_queries_per_day() if candidate != OVERFLOW_QUERY else 1 << 30
        values = select(literal(day, SearchDay.day.type), literal(candidate), literal(language), literal(1),
                        literal(int(empty)), literal(int(signed_in))).where(room < cap)
        columns = ["day", "query", "language", "searches", "no_results", "signed_in"]
        added = db.session.execute(
            insert(SearchDay).from_select(columns, values).returning(SearchDay.id)).first()
        if added is not None:
            break
    db.session.commit()
