"""The search page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from forum.extensions import member_action_limit
from forum.i18n import LOCALE_NAMES

from . import services
from .forms import SearchForm
from .index import SearchUnavailable
from .query import QueryRejected

bp = Blueprint("search", __name__)

REJECTION_MESSAGES = {
    "too_long": lambda: _("Please shorten your search to 200 characters."),
    "leading_wildcard": lambda: _("A search cannot start with * or ?. Type the beginning of the word."),
    "too_many_terms": lambda: _("Please use at most 12 words."),
    "empty": lambda: _("Type at least one word to search for (very common words are ignored)."),
    "prefix_too_short": lambda: _("Type at least 3 letters before the *."),
    "page_too_deep": lambda: _(
        "Only the first %(pages)d pages of results can be shown. Refine your search to see more.",
        pages=current_app.config["SEARCH_MAX_PAGE"],
    ),
}


def too_broad_notice() -> str:
    """Shown above results that the query's term or time budget cut short."""
    return _("This search was too broad: showing the first results. Refine your search to see more.")


# Visitors by IP (RATELIMIT_SEARCH), members by account (RATELIMIT_SEARCH_MEMBER), so a member's
# limit follows them across IPs and members behind one office or school NAT don't share a single
# budget. Shared buckets: /api/v1/search counts in the same ones.
visitor_search_limit = member_action_limit("RATELIMIT_SEARCH", exempt_when=lambda: current_user.is_authenticated)
member_search_limit = member_action_limit("RATELIMIT_SEARCH_MEMBER",
                                          exempt_when=lambda: not current_user.is_authenticated)


def _tri(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@bp.get("/search")
# Visitors by IP, members by account, each at its own finite limit: every search costs
# up to SEARCH_TIME_BUDGET_SECONDS of a worker, signed in or not.
@visitor_search_limit
@member_search_limit
def search() -> Any:
    form = SearchForm(request.args)
    categories = services.filter_categories(current_user)
    form.category.choices = [("", _("All categories"))] + [(c.slug, c.name) for c in categories]
    form.has_official.choices = [
        ("", _("Any")),
        ("yes", _("With official response")),
        ("no", _("Without official response")),
    ]
    form.solved.choices = [("", _("Any")), ("yes", _("Solved")), ("no", _("Unsolved"))]
    form.sort.choices = [("relevance", _("Relevance")), ("newest", _("Newest first"))]
    form.language.choices = [SelectChoice("", _("Any language")), *(
        SelectChoice(code, LOCALE_NAMES.get(code, code)) for code in current_app.config["SUPPORTED_LOCALES"])]
    result = error = notice = None
    unavailable = False
    entries: list[services.SearchEntry] = []
    asked = any(
        request.args.get(k)
        for k in ("q", "category", "author", "date_from", "date_to", "has_official", "solved", "staff_only", "language")
    )
    if asked and form.validate():
        try:
            result = services.search(
                current_user,
                services.SearchRequest(
                    text=form.q.data or "",
                    category=form.category.data or None,
                    author=form.author.data or None,
                    date_from=form.date_from.data,
                    date_to=form.date_to.data,
                    has_official=_tri(form.has_official.data),
                    solved=_tri(form.solved.data),
                    staff_only=bool(form.staff_only.data),
                    in_title=bool(form.in_title.data),
                    language=form.language.data or None,
                    sort=form.sort.data or "relevance",
                    include_hidden=bool(form.include_hidden.data),
                    page=request.args.get("page", 1, type=int) or 1,
                ),
            )
            entries = services.entries(result)
            if result.results.incomplete:
                notice = too_broad_notice()
        except QueryRejected as exc:
            error = REJECTION_MESSAGES.get(exc.code, REJECTION_MESSAGES["empty"])()
        except SearchUnavailable:
            # The rest of the site is fine; the search form keeps what was typed.
            unavailable = True
            error = _("Search is unavailable right now. Please try again in a few minutes.")
    status = 503 if unavailable else 400 if error or form.errors else 200
    return render_template(
        "search/results.html", form=form, result=result, entries=entries, error=error, notice=notice,
        max_page=int(current_app.config["SEARCH_MAX_PAGE"]),
        may_include_hidden=services.may_include_hidden(current_user),
    ), status
