"""The dashboard page: who sees it, what it shows, constant SQL, charts, CSV, refresh."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from forum.audit import AuditLog
from forum.db_types import utcnow
from forum.extensions import db
from forum.insights import services
from forum.insights.models import DailyStat, MissedSearchDay, TopEntry
from forum.insights.services.dashboard import SummaryLine, Totals
from forum.jobs import Job
from tests.factories import make_staff, make_topic, make_user


def _stat(day: date, **figures: int) -> None:
    db.session.add(DailyStat(day=day, category_id=figures.pop("category_id", 0),
                             language=figures.pop("language", ""), **figures))


@pytest.fixture
def manager(client):
    make_user("mod", role="moderator")
    client.login("mod")
    return client


# --- the arithmetic -------------------------------------------------------------------------------

def test_change_in_percent_including_from_nothing():
    assert services.change(150, 100) == 50.0
    assert services.change(50, 100) == -50.0
    assert services.change(0, 0) == 0.0       # nothing to nothing: no change
    assert services.change(7, 0) is None      # from nothing: no percentage ("new")
    assert services.change(None, 3) is None


def test_a_figure_that_went_down_is_good_news_when_lower_is_better():
    flags = next(f for f in services.FIGURES if f.key == "flags")
    line = SummaryLine(flags, 2, 4)
    assert (line.direction, line.good, line.change) == ("down", True, -50.0)
    posts = next(f for f in services.FIGURES if f.key == "posts")
    assert SummaryLine(posts, 2, 4).good is False and SummaryLine(posts, 4, 4).direction == "flat"


def test_totals_averages_guard_division_by_zero():
    empty = Totals(dict.fromkeys(services.SUMMED, 0), 7)
    assert (empty.solved_pct, empty.mean_response_seconds, empty.mean_review_seconds, empty.no_results_pct) == (
        None, None, None, None)
    some = Totals({**dict.fromkeys(services.SUMMED, 0), "questions": 4, "solved": 1, "responded": 2,
                   "response_seconds": 600, "active_members": 14}, 7)
    assert (some.solved_pct, some.mean_response_seconds, some.active_daily) == (25.0, 300.0, 2.0)


def test_period_over_previous_period(app):
    today = utcnow().date()
    s = services.Slice(today - timedelta(days=6), today)
    assert (s.previous.start, s.previous.end) == (today - timedelta(days=13), today - timedelta(days=7))
    _stat(today, posts=30, questions=4, solved=3, active_weekly=9, active_monthly=20)
    _stat(today - timedelta(days=8), posts=20, questions=0)
    _stat(today - timedelta(days=20), posts=999)  # outside both periods
    db.session.commit()
    board = services.dashboard(make_user("boss", role="admin"), s)
    lines = {line.figure.key: line for line in board.lines}
    assert (lines["posts"].current, lines["posts"].previous, lines["posts"].change) == (30, 20, 50.0)
    assert lines["solved_pct"].current == 75.0 and lines["solved_pct"].previous is None
    assert lines["active_weekly"].current == 9


# --- the page -------------------------------------------------------------------------------------

def test_members_and_staff_agents_may_not_see_it(client):
    make_user("ann")
    make_staff("agent")
    for name in ("ann", "agent"):
        visitor = client.application.test_client()
        visitor.login(name)
        assert visitor.get("/insights").status_code == 403, name
        assert visitor.get("/insights/export.csv").status_code == 403, name
        assert visitor.get("/insights/export.csv?what=searches").status_code == 403, name


def test_the_page_shows_the_figures_and_the_searches_with_no_results(manager):
    today = utcnow().date()
    topic = make_topic(make_user("writer"), title="Milk frother squeaks")
    _stat(today, posts=12, topics=3, searches=4, searches_no_results=3)
    db.session.add(MissedSearchDay(day=today, query="grinder <b>noise</b>", language="", searches=3, no_results=3))
    db.session.add(TopEntry(day=today, kind="topic", category_id=0, language="", subject_id=topic.id, posts=5))
    db.session.commit()
    page = manager.get("/insights?days=7").get_data(as_text=True)
    assert "grinder &lt;b&gt;noise&lt;/b&gt;" in page  # escaped
    assert "Milk frother squeaks" in page
    summary = re.search(r'data-figure="posts">(.*?)</li>', page, re.S).group(1)
    assert ">12<" in summary and "new" in summary


def test_each_chart_has_a_title_a_description_and_a_matching_table(manager):
    today = utcnow().date()
    _stat(today, posts=1234)
    _stat(today - timedelta(days=1), posts=7)
    db.session.commit()
    page = manager.get("/insights?days=7").get_data(as_text=True)
    svgs = re.findall(r"<svg viewBox=\"0 0 640.*?</svg>", page, re.S)
    assert len(svgs) == 6
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg and "aria-labelledby=" in svg
    posts = page[page.index('id="chart-posts-heading"'):]
    posts = posts[:posts.index("</figure>")]
    assert len(re.findall(r'<rect class="bar"', posts)) == 7
    values = re.findall(r'<td class="num">([^<]*)</td>', posts)
    assert values == ["0", "0", "0", "0", "0", "7", "1,234"]
    assert '<th scope="row">' in posts and "<caption" in posts


def test_the_page_runs_the_same_sql_for_a_quiet_and_a_busy_range(manager, count_queries):
    def queries(url: str) -> int:
        manager.get(url)
        with count_queries() as q:
            assert manager.get(url).status_code == 200
        return q.count

    quiet = queries("/insights?days=7")
    today = utcnow().date()
    users = [make_user(f"poster{i}") for i in range(12)]
    for i in range(90):
        day = today - timedelta(days=i)
        _stat(day, posts=i, topics=1)
        for user in users:
            db.session.add(TopEntry(day=day, kind="member", category_id=0, language="", subject_id=user.id, posts=2))
        db.session.add(MissedSearchDay(day=day, query=f"nothing here {i}", language="", searches=1, no_results=1))
    db.session.commit()
    assert queries("/insights?days=90") == quiet


def test_a_bad_range_is_explained_and_the_default_shown(manager):
    response = manager.get("/insights?start=2026-05-10&end=2026-05-01")
    assert response.status_code == 400
    assert "The start of the period must be before its end." in response.get_data(as_text=True)


def test_filters_read_the_category_and_language_rows(manager):
    today = utcnow().date()
    _stat(today, posts=10)
    _stat(today, posts=4, language="it")
    db.session.commit()
    page = manager.get("/insights?days=7&language=it").get_data(as_text=True)
    summary = re.search(r'data-figure="posts">(.*?)</li>', page, re.S).group(1)
    assert ">4<" in summary
    assert 'data-figure="active_weekly"' not in page  # whole forum only


# --- CSV and refresh ------------------------------------------------------------------------------

def test_csv_export_has_a_row_per_day(manager):
    today = utcnow().date()
    _stat(today, posts=5, likes=2)
    db.session.commit()
    response = manager.get("/insights/export.csv?days=7")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["day", "new_members", "active_members"]
    assert len(rows) == 8 and rows[-1][0] == today.isoformat()
    assert rows[-1][rows[0].index("posts")] == "5" and rows[-1][rows[0].index("likes")] == "2"


def test_csv_cells_that_look_like_formulas_are_defused(manager):
    today = utcnow().date()
    db.session.add(MissedSearchDay(day=today, query='=HYPERLINK("x")', language="", searches=2, no_results=2))
    db.session.commit()
    response = manager.get("/insights/export.csv?what=searches&days=7")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["query", "searches", "no_results"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "2", "2"]


def test_days_are_shown_in_the_one_date_format(manager):
    """Days through forum.dates (the locale's own order: "Dec 5" in English), not patterns of the page's own."""
    today = utcnow().date()
    page = manager.get("/insights?days=7").get_data(as_text=True)
    assert f'<th scope="row">{today:%b} {today.day}</th>' in page
    assert f"{today:%b} {today.day}, {today.year}" in page  # the range sentence: the medium date


def test_refresh_now_queues_the_job_once_and_is_audited(manager):
    before = db.session.scalar(select(func.count()).select_from(Job).where(Job.name == services.REFRESH_JOB))
    response = manager.post_form("/insights/refresh?days=7")
    assert response.status_code == 302 and "days=7" in response.headers["Location"]
    manager.post_form("/insights/refresh?days=7")
    after = db.session.scalar(select(func.count()).select_from(Job).where(Job.name == services.REFRESH_JOB))
    assert after - before in (1, 2)  # once per minute (two only if the minute turned in between)
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "insights.refresh")) == 2
    today = utcnow().date()
    assert db.session.scalar(select(DailyStat).where(DailyStat.day == today, DailyStat.category_id == 0,
                                                     DailyStat.language == "")) is not None  # ran (inline)


def test_the_refresh_reads_as_a_sentence_in_the_audit_log(manager):
    make_user("boss", role="admin")
    manager.post_form("/insights/refresh")
    manager.get("/logout")
    manager.login("boss")
    page = manager.get("/moderation/audit").get_data(as_text=True)
    assert "Refreshed the community health figures" in page


def test_refresh_without_the_csrf_token_is_refused(manager):
    assert manager.post("/insights/refresh").status_code == 400


def test_backfill_command(app, runner):
    result = runner.invoke(args=["forum", "insights", "backfill", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "3 days" in result.output
    assert db.session.scalar(select(func.count(func.distinct(DailyStat.day)))) == 3


def test_backfill_until_a_day(app, runner):
    result = runner.invoke(args=["forum", "insights", "backfill", "--days", "2", "--until", "2025-05-31"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(DailyStat.day).where(DailyStat.category_id == 0))) == {
        date(2025, 5, 30), date(2025, 5, 31)}


def test_a_preset_wins_over_dates_and_dates_alone_make_a_custom_period(manager):
    today = utcnow().date()
    page = manager.get(f"/insights?days=7&start={today - timedelta(days=40)}&end={today}").get_data(as_text=True)
    assert '<option value="7" selected>' in page and "days=7" in page
    page = manager.get(f"/insights?start={today - timedelta(days=40)}&end={today}").get_data(as_text=True)
    assert '<option value="" selected>' in page and f'value="{today - timedelta(days=40)}"' in page
    assert "(41 days)" in page


def test_a_queued_refresh_is_said_instead_of_no_figures_and_the_time_of_the_figures_is_shown(manager):
    page = manager.get("/insights?days=7").get_data(as_text=True)
    assert "No figures for this period yet." in page and "Refreshing: reload in a few seconds." not in page
    db.session.add(Job(name=services.REFRESH_JOB, payload={}, state="queued", run_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    page = manager.get("/insights?days=7").get_data(as_text=True)
    assert "Refreshing: reload in a few seconds." in page and "No figures for this period yet." not in page
    _stat(utcnow().date(), posts=3)
    db.session.commit()
    assert "Figures as of " in manager.get("/insights?days=7").get_data(as_text=True)


def test_charts_scroll_sideways_rather_than_shrink_and_keyboard_users_reach_them(manager):
    page = manager.get("/insights?days=7").get_data(as_text=True)
    scrollers = re.findall(r'<div class="insights-chart-scroll" tabindex="0" role="group" aria-labelledby="([^"]+)">',
                           page)
    assert scrollers and all(f'id="{name}"' in page for name in scrollers)
