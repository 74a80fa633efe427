"""``flask --app wsgi forum ...`` commands. Names are a stable contract (DESIGN.md §5)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, select
from werkzeug.security import generate_password_hash

from forum.extensions import db

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
    from forum.plugins.manager import plugin_manager

    plugin_manager(app).hook.forum_load_cli(group=forum_cli)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def upgrade_schema() -> None:
    """Alembic upgrade to head; a database made by ``create_all`` (tests) is stamped instead."""
    from flask_migrate import stamp, upgrade

    versions = _migrations_dir() / "versions"
    if not versions.is_dir() or not any(versions.glob("*.py")):
        db.create_all()
        return
    tables = set(inspect(db.engine).get_table_names())
    if "users" in tables and "alembic_version" not in tables:
        stamp(directory=str(_migrations_dir()))
        return
    upgrade(directory=str(_migrations_dir()))


def ensure_default_data() -> None:
    """Idempotent: a code of conduct and the starter categories exist."""
    from forum.accounts.models import CodeOfConduct
    from forum.discussions.models import Category
    from forum.markup import cook

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
@click.option("--staff-group", "staff_group", default=None, help="Name of a staff group to join.")
@click.option("--display-name", default=None)
def create_user_command(username: str, email: str, password: str, role: str, staff_group: str | None,
                        display_name: str | None) -> None:
    """Create a verified account that has accepted the current code of conduct."""
    user = create_user(username, email, password, role=role, display_name=display_name)
    if staff_group:
        from forum.staff.services import add_member_by_group_name

        add_member_by_group_name(user, staff_group)
    click.echo(f"Created {role} {user.username} (id {user.id}).")


def create_user(username: str, email: str, password: str, *, role: str = "member",
                display_name: str | None = None, locale: str | None = None):  # type: ignore[no-untyped-def]
    from forum.accounts import services as accounts
    from forum.accounts.models import CodeOfConductAcceptance, User
    from forum.db_types import utcnow
    from forum.errors import ValidationFailed

    try:
        clean = accounts.validate_username(username)
        accounts.validate_password(password, username=clean, email=email)
    except ValidationFailed as exc:
        raise click.ClickException(exc.message) from exc
    if db.session.scalar(select(User.id).where(User.email_canonical == accounts.canonical_email(email))):
        raise click.ClickException("This email is already registered.")
    version = accounts.current_coc_version()
    user = User(username=clean, username_canonical=accounts.canonical_username(clean), email=email,
                email_canonical=accounts.canonical_email(email), password_hash=generate_password_hash(password),
                display_name=display_name or clean, role=role, email_verified_at=utcnow(), approved_at=utcnow(),
                accepted_coc_version=version, locale=locale)
    db.session.add(user)
    db.session.flush()
    if version:
        db.session.add(CodeOfConductAcceptance(user_id=user.id, coc_version=version))
    db.session.commit()
    return user


@forum_cli.command("demo")
def demo_command() -> None:
    """``init`` plus a small multilingual demo community; prints the admin login."""
    from forum.demo import load_demo

    upgrade_schema()
    ensure_default_data()
    username, password = load_demo(create_user)
    _reindex_quietly()
    click.echo("")
    click.echo("Demo community ready at http://127.0.0.1:5000")
    click.echo(f"  admin login: {username} / {password}")


def _reindex_quietly() -> None:
    """Bring the search index in line with the demo data (if search is configured)."""
    try:
        from forum.search.services import rebuild_index
    except ImportError:
        return
    rebuild_index()
