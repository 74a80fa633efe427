"""``flask --app wsgi forum tags …``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from forum.extensions import db

from .services import recount

tags_cli = AppGroup("tags", help="Tags on topics.")


@tags_cli.command("recount")
def recount_command() -> None:
    """Recompute every tag's topic count from the topics' tags (repairs counts)."""
    fixed = recount()
    db.session.commit()
    click.echo(f"{fixed} tag count(s) corrected.")
