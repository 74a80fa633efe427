"""``flask --app wsgi forum insights …``: the statistics history."""

from __future__ import annotations

import time
from datetime import datetime

import click
from flask.cli import AppGroup

from .services import recent_days, refresh_day

insights_cli = AppGroup("insights", help="Community health statistics.")


@insights_cli.command("backfill")
@click.option("--days", type=click.IntRange(1, 3660), default=90, show_default=True,
              help="How many days back from today (or from --until) to (re)compute.")
@click.option("--until", "until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The last day to compute (YYYY-MM-DD, UTC); today by default.")
def backfill_command(days: int, until: datetime | None) -> None:
    """Compute the daily statistics of the last DAYS days (idempotent: safe to run again)."""
    started = time.perf_counter()
    todo = recent_days(days, until.date() if until else None)
    with click.progressbar(todo, label="Days") as bar:
        for day in bar:
            refresh_day(day)
    click.echo(f"{len(todo)} days of statistics computed in {time.perf_counter() - started:.1f} s.")
