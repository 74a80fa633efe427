"""``flask --app wsgi forum ...`` commands. Names are a stable contract (DESIGN.md §5)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import stamp, upgrade
from sqlalchemy import func, inspect, select

from forum import backup as backups
from forum import jobs
from forum.accounts import services as accounts
from forum.accounts.models import CodeOfConduct, User
from forum.demo import load_demo
from forum.discussions.models import Category, Post
from forum.errors import ValidationFailed
from forum.events.services import send_due_reminders
from forum.extensions import db, migrate
from forum.interfaces import IntegrityCheck, Mismatch
from forum.markup import cook
from forum.plugins.manager import plugin_infos, plugin_manager
from forum.registry import contributions
from forum.search.services import rebuild_index
from forum.seed import seed
from forum.staff.services import add_member_by_group_name, group_named, list_groups
from forum.urls import public_base

forum_cli = AppGroup("forum", help="Circolo administration commands.")

DEFAULT_COC = """# Our code of conduct

This community is where customers and the team help each other. To keep it useful and kind:

1. **Be respectful.** Disagree with ideas, never attack people. No insults, harassment or discrimination.
2. **Stay on topic.** Post in the right category and search before asking.
3. **No spam or self-promotion.** Links are welcome when they help the discussion.
4. **Protect privacy.** Never share personal data (yours or others'), order numbers or passwords.
5. **Help moderators.** Flag posts that break these rules instead of replying to them.

Moderators may edit, hide or remove content and suspend accounts that break these rules.
"""


def init_app(app: Flask) -> None:
    app.cli.add_command(forum_cli)
    for command in contributions(click.Command, app):  # a domain's own group (`forum insights …`)
        forum_cli.add_command(command)
    plugin_manager(app).hook.forum_load_cli(group=forum_cli)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def plugin_version_locations() -> list[str]:
    """Version folders of the core and of every discovered plugin that ships migrations.

    Disabled plugins count too: their revisions may already be recorded in the database,
    and Alembic refuses to run when it cannot find a recorded revision."""
    locations = [str(_migrations_dir() / "versions")]
    for info in plugin_infos().values():
        folder = info.path / "migrations" if info.path else None
        if folder is not None and folder.is_dir():
            locations.append(str(folder))
    return locations


@migrate.configure
def _configure_alembic(config: Any) -> Any:
    config.set_main_option("version_locations", os.pathsep.join(plugin_version_locations()))
    return config


def upgrade_schema() -> None:
    """Alembic upgrade of the core and every plugin branch to its head.

    A database made by ``create_all`` (the test suite) has tables but no alembic_version:
    it is stamped instead of being migrated over existing tables.
    """
    tables = set(inspect(db.engine).get_table_names())
    if "users" in tables and "alembic_version" not in tables:
        stamp(directory=str(_migrations_dir()), revision="heads")
        return
    upgrade(directory=str(_migrations_dir()), revision="heads")


def ensure_default_data() -> None:
    """Idempotent: a code of conduct and the starter categories exist."""
    if db.session.scalar(select(CodeOfConduct.id).limit(1)) is None:
        db.session.add(CodeOfConduct(version=1, body=DEFAULT_COC, body_html=cook(DEFAULT_COC).html,
                                     summary="First version."))
    if db.session.scalar(select(Category.id).limit(1)) is None:
        db.session.add_all([
            Category(slug="announcements", name="Announcements", position=1, color="#b54708",
                     description="News from the team.", topic_access="staff"),
            Category(slug="general", name="General", position=2, color="#2f5d8a",
                     description="Talk about anything related to our products."),
            Category(slug="support", name="Support", position=3, color="#1e7a46", is_questions=True,
                     description="Ask questions; mark the reply that solved it."),
        ])
    db.session.commit()


@forum_cli.command("init")
def init_command() -> None:
    """Create or upgrade the schema and default data (idempotent)."""
    upgrade_schema()
    ensure_default_data()
    click.echo(f"Database ready: {current_app.config['SQLALCHEMY_DATABASE_URI']}")


@forum_cli.command("create-user")
@click.argument("username")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["member", "moderator", "admin"]), default="member")
@click.option("--staff-group", "staff_group", default=None, help="Name of an existing staff group to join.")
@click.option("--create-group", is_flag=True, help="Create the --staff-group if no group has that name.")
@click.option("--display-name", default=None)
def create_user_command(username: str, email: str, password: str, role: str, staff_group: str | None,
                        create_group: bool, display_name: str | None) -> None:
    """Create a verified account that has accepted the current code of conduct."""
    if staff_group and not create_group and group_named(staff_group) is None:
        # Checked before the account exists, so a typo leaves nothing half made.
        names = ", ".join(g.name for g, _count in list_groups()) or "none yet"
        raise click.ClickException(f"No staff group is named {staff_group!r}. Existing groups: {names}. "
                                   "Check the name, or add --create-group to create it.")
    user = create_user(username, email, password, role=role, display_name=display_name)
    if staff_group:
        add_member_by_group_name(user, staff_group, create=create_group)
    click.echo(f"Created {role} {user.username} (id {user.id}).")


def create_user(username: str, email: str, password: str, *, role: str = "member",
                display_name: str | None = None, locale: str | None = None) -> User:
    """An operator-made account (see accounts.services.create_account), errors as click's."""
    try:
        return accounts.create_account(username, email, password, role=role, display_name=display_name,
                                       locale=locale)
    except ValidationFailed as exc:
        raise click.ClickException(exc.message) from exc


@forum_cli.command("demo")
def demo_command() -> None:
    """``init`` plus a small multilingual demo community; prints the admin login."""
    upgrade_schema()
    ensure_default_data()
    username, password = load_demo()
    _reindex_quietly()
    click.echo("")
    # The demo does not know which port the server will use: say where links point, and how
    # to change it, rather than promise an address.
    click.echo("Demo community ready. Serve it with `flask --app wsgi run` and open "
               f"{public_base()}")
    click.echo("  (links in mail point there: set FORUM_PUBLIC_URL if you serve on another address)")
    click.echo(f"  admin login: {username} / {password}")


def _reindex_quietly() -> None:
    """Bring the search index in line with the demo data."""
    rebuild_index()


@forum_cli.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
def worker_command(threads: int) -> None:
    """Run the job queue's workers: mail, notifications, digests, reminders (until stopped)."""
    transport = jobs.transport(current_app)
    if transport is None:
        raise click.ClickException("FORUM_JOBS_MODE is 'inline': there is no queue to work on.")
    click.echo(f"Worker: {threads} thread(s), queue at {transport.where}. Stop with Ctrl+C (or SIGTERM).")
    transport.consumer(threads).run()


@forum_cli.command("send-reminders")
@click.option("--now", "now_text", default=None, hidden=True, help="Pretend it is this UTC time (ISO 8601).")
def send_reminders_command(now_text: str | None) -> None:
    """Remind members of events starting soon (idempotent: run it from cron every few minutes)."""
    now = datetime.fromisoformat(now_text) if now_text else None
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    # Site paths in the notices are built with url_for, which needs a request outside of one;
    # absolute links come from FORUM_PUBLIC_URL either way (forum.urls).
    with current_app.test_request_context("/", base_url=public_base()):
        click.echo(f"Sent {send_due_reminders(now)} reminder(s).")


@forum_cli.command("seed")
@click.option("--users", type=click.IntRange(min=1), default=200, show_default=True, help="Members to add.")
@click.option("--topics", type=click.IntRange(min=1), default=500, show_default=True, help="Topics to add.")
@click.option("--posts", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Posts to add, opening posts included (at least --topics).")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True,
              help="Random seed: the same seed on the same database gives the same data.")
@click.option("--locale", type=click.Choice(["en", "it", "fr"]), default=None,
              help="Write everything in one language (default: members spread over en, it, fr).")
def seed_command(users: int, topics: int, posts: int, seed_value: int, locale: str | None) -> None:
    """Bulk-insert a realistic, deterministic multilingual community (fast: see forum/seed.py)."""
    if posts < topics:
        raise click.BadParameter("must be at least --topics (every topic has an opening post)",
                                 param_hint="--posts")
    if "users" not in inspect(db.engine).get_table_names():
        upgrade_schema()  # a fresh database: seeding needs no separate `init`
    ensure_default_data()
    started = time.perf_counter()
    report = seed(users, topics, posts, seed_value=seed_value, locale=locale,
                  progress=lambda label, length: click.progressbar(length=length, label=f"{label:<7}"))
    elapsed = time.perf_counter() - started
    rows = users + topics + posts
    click.echo(f"Seeded {users} users, {topics} topics, {posts} posts"
               f" (+{report.categories_created} categories) in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s.")
    click.echo("Phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    click.echo("Seeded accounts have random passwords; run `forum reindex` to make the posts searchable.")


@forum_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (the site keeps serving meanwhile)."""
    total = db.session.scalar(select(func.count()).select_from(Post)) or 0
    with click.progressbar(length=total, label="Indexing posts") as bar:
        done = [0]

        def progress(count: int) -> None:
            bar.update(count - done[0])
            done[0] = count

        count = rebuild_index(progress=progress)
    click.echo(f"Indexed {count} documents.")


@forum_cli.command("backup")
@click.argument("archive", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(archive: Path | None) -> None:
    """Archive an embedded install (SQLite, secret key) consistently while the site runs."""
    if archive is None:
        stamp_ = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        archive = Path(current_app.instance_path) / "backups" / f"forum-{stamp_}.tar.gz"
        archive.parent.mkdir(parents=True, exist_ok=True)
    try:
        manifest = backups.backup(archive)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = manifest["rows"]
    click.echo(f"Backed up {rows.get('posts', 0)} posts and {rows.get('users', 0)} accounts to {archive}")


@forum_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the existing database.")
def restore_command(archive: Path, force: bool) -> None:
    """Put a `forum backup` archive in place, then rebuild the search index from it."""
    try:
        manifest = backups.restore(archive, force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    count = rebuild_index()
    problems = _integrity_problems()
    click.echo(f"Restored the backup of {manifest['created_at']}; indexed {count} documents; "
               + ("all counters match the rows." if not problems else f"{len(problems)} counter problem(s): "
                  "run `forum check --repair`."))


def _integrity_problems() -> list[tuple[str, Mismatch]]:
    """Every domain's stored values that disagree with their rows, in domain order."""
    return [(each.name, problem) for each in contributions(IntegrityCheck) for problem in each.check(db.session)]


@forum_cli.command("check")
@click.option("--repair", is_flag=True, help="Rewrite every wrong value from the rows.")
def check_command(repair: bool) -> None:
    """Verify every denormalised value against the rows: discussions' counters, post numbers,
    last-post pointers and official ranges, tags' topic counts, ideas' vote counts (each domain
    contributes its IntegrityCheck)."""
    problems = _integrity_problems()
    for name, problem in problems[:200]:
        click.echo(f"{name}: {problem}")
    if len(problems) > 200:
        click.echo(f"... and {len(problems) - 200} more")
    if not problems:
        click.echo("All counters match the rows.")
        return
    if not repair:
        raise click.ClickException(f"{len(problems)} value(s) disagree with the rows; run with --repair.")
    wrong = {name for name, _ in problems}
    for each in contributions(IntegrityCheck):
        if each.name in wrong:  # a domain with nothing wrong is not rewritten
            each.repair(db.session)
    db.session.commit()
    left = _integrity_problems()
    click.echo(f"Repaired {len(problems)} value(s); {len(left)} left.")
    if left:
        raise click.ClickException("some values could not be repaired")
