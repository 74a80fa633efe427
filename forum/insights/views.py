"""The community health dashboard (/insights), its CSV export and "Refresh now"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_number, format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum import csv_export, dates
from forum.db_types import utcnow
from forum.extensions import limiter
from forum.i18n import LOCALE_NAMES

from . import permissions, services
from .forms import RangeForm, RefreshForm

bp = Blueprint("insights", __name__)

EXPORT_SEARCHES = 1000
CHARTS = ("posts", "topics", "active_members", "new_members", "likes", "searches_no_results")


def chart_titles() -> dict[str, tuple[str, str]]:
    return {
        "posts": (_("Posts per day"), _("Posts published each day of the period.")),
        "topics": (_("New topics per day"), _("Topics started each day of the period.")),
        "active_members": (_("Active members per day"),
                           _("Members who posted, reacted or visited, each day of the period.")),
        "new_members": (_("New members per day"), _("Members who joined each day of the period.")),
        "likes": (_("Reactions per day"), _("Reactions given each day of the period.")),
        "searches_no_results": (_("Searches with no results per day"),
                                _("Searches that found nothing, each day of the period.")),
    }


def figure_labels() -> dict[str, str]:
    return {
        "new_members": _("New members"), "active_daily": _("Active members per day (average)"),
        "active_weekly": _("Active members, last 7 days"), "active_monthly": _("Active members, last 30 days"),
        "posts": _("Posts"), "topics": _("New topics"), "likes": _("Reactions"), "questions": _("Questions asked"),
        "solved_pct": _("Questions solved"), "responded_pct": _("Members' topics answered by staff"),
        "mean_response": _("Average time to first staff response"), "flags": _("Flags raised"),
        "reviews_decided": _("Review decisions"), "mean_review": _("Average time to a review decision"),
        "searches": _("Searches"), "no_results_pct": _("Searches with no results"),
    }


def show(kind: str, value: float | None) -> str:
    """A figure in the reader's locale."""
    if value is None:
        return "–"
    if kind == "percent":
        return str(format_percent(value / 100, "#,##0%"))
    if kind == "duration":
        return dates.duration(value)
    if kind == "average":
        return str(format_decimal(round(value, 1)))
    return str(format_number(int(value)))


def show_change(line: Any) -> str:
    """"+12%", "−5%", "no change", or "new" when there was nothing before."""
    pct = line.change
    if pct is None:
        return _("new") if line.current else "–"
    if round(pct) == 0:
        return _("no change")
    return ("+" if pct > 0 else "−") + str(format_percent(abs(pct) / 100, "#,##0%"))


def _form_slice(form: RangeForm) -> tuple[services.Slice, str | None]:
    """The asked range (a preset, or from/to), or the default one and the reason it was refused."""
    today = utcnow().date()
    error = None
    category_id = request.args.get("category", type=int) or 0
    language = form.language.data if form.language.data in current_app.config["SUPPORTED_LOCALES"] else ""
    preset = int(form.days.data) if (form.days.data or "").isdigit() else None
    start: date | None = form.start.data if preset is None else None  # a chosen preset wins over dates
    end: date | None = form.end.data if preset is None else None
    if form.errors and preset is None:
        error = _("Please enter dates as YYYY-MM-DD.")
        start = end = None
    if start or end:
        end = min(end or today, today)
        start = start or end - timedelta(days=services.DEFAULT_DAYS - 1)
        if start > end:
            error, start, end = _("The start of the period must be before its end."), None, None
        elif (end - start).days + 1 > services.MAX_DAYS:
            error = _("Please choose a period of at most %(days)d days.", days=services.MAX_DAYS)
            start = end = None
    if start is None or end is None:
        days = preset if preset in services.PRESETS else services.DEFAULT_DAYS
        end, start = today, today - timedelta(days=days - 1)
    return services.Slice(start, end, category_id, language), error


def _range_form() -> RangeForm:
    form = RangeForm(request.args)
    form.days.choices = [(str(d), _("Last %(days)d days", days=d)) for d in services.PRESETS]
    form.language.choices = [("", _("All languages")), *(
        (code, LOCALE_NAMES.get(code, code)) for code in current_app.config["SUPPORTED_LOCALES"])]
    form.validate()
    return form


@bp.get("/insights")
@login_required
def dashboard() -> Any:
    if not permissions.can_view_insights(current_user):
        abort(403)
    form = _range_form()
    s, error = _form_slice(form)
    board = services.dashboard(current_user, s)
    titles = chart_titles()
    charts = [services.bar_chart(key, titles[key][0], titles[key][1], board.days,
                                 [board.value(day, key) for day in board.days]) for key in CHARTS]
    day_labels = {day: dates.calendar_day(day, "short_day") for day in board.days}
    return render_template("insights/dashboard.html", form=form, board=board, charts=charts, error=error,
                           day_labels=day_labels, categories=services.filter_categories(),
                           refresh_form=RefreshForm(), refreshing=services.refresh_under_way(),
                           labels=figure_labels(), show=show, show_change=show_change,
                           number=format_number,
                           format_day=dates.calendar_day), 400 if error else 200


@bp.get("/insights/export.csv")
@login_required
def export() -> Any:
    if not permissions.can_view_insights(current_user):
        abort(403)
    s, _error = _form_slice(_range_form())
    if request.args.get("what") == "searches":  # what members typed: every cell through the formula guard
        missed = services.missed_searches(s, limit=EXPORT_SEARCHES, viewer=current_user)
        body = csv_export.render(["query", "searches", "no_results"],
                                 ([m.query, m.searches, m.no_results] for m in missed))
        name = f"insights-searches-{s.start.isoformat()}-{s.end.isoformat()}.csv"
    else:
        body = csv_export.render(["day", *services.SUMMED], services.export_rows(current_user, s))
        name = f"insights-{s.start.isoformat()}-{s.end.isoformat()}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/insights/refresh")
@login_required
@limiter.limit("10/minute")
def refresh() -> Any:
    if not permissions.can_view_insights(current_user):
        abort(403)
    if not RefreshForm().validate_on_submit():
        abort(400)
    services.queue_refresh(current_user)
    flash(_("The figures are being refreshed: reload the page in a moment."), "success")
    back: dict[str, Any] = {k: v for k, v in request.args.items()
                            if k in ("days", "start", "end", "category", "language")}
    return redirect(url_for("insights.dashboard", **back))
