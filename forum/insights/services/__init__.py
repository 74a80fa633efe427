"""The dashboard's services: filling the statistics (refresh), recording searches, reading the
dashboard, and the charts' geometry."""

from __future__ import annotations

from .chart import Chart, bar_chart, nice_maximum
from .dashboard import (
    DEFAULT_DAYS,
    FIGURES,
    MAX_DAYS,
    PRESETS,
    SUMMED,
    Dashboard,
    Slice,
    change,
    dashboard,
    export_rows,
    filter_categories,
    missed_searches,
)
from .jobs import REFRESH_JOB, SETTLE_JOB, queue_refresh, refresh_recent, refresh_under_way, settle_recent
from .refresh import SETTLE_DAYS, recent_days, refresh_day, refresh_days
from .searches import normalise, record_search

__all__ = ["DEFAULT_DAYS", "FIGURES", "MAX_DAYS", "PRESETS", "REFRESH_JOB", "SETTLE_DAYS", "SETTLE_JOB", "SUMMED",
           "Chart", "Dashboard", "Slice", "bar_chart", "change", "dashboard", "export_rows", "filter_categories",
           "missed_searches", "nice_maximum", "normalise", "queue_refresh", "recent_days", "record_search",
           "refresh_day", "refresh_days", "refresh_recent", "refresh_under_way", "settle_recent"]
