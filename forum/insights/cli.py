"""``flask --app wsgi forum insights …``: the statistics history."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from .services import recent_days, refresh_day

insights_cli = AppGroup("insights", help="Community health statistics.")


@insights_cli.command("backfill")
@click.option("--days", type=click.IntRange(1, 3660), default=90, show_default=True,
              help="How many days back from today to (re)compute.")
def backfill_command(days: int) -> None:
    """Compute the daily statistics of the last DAYS days (idempotent: safe to run again)."""
    started = time.perf_counter()
    todo = recent_days(days)
    with click.progressbar(todo, label="Days") as bar:
        for day in bar:
            refresh_day(day)
    click.echo(f"{len(todo)} days of statistics computed in {time.perf_counter() - started:.1f} s.")
