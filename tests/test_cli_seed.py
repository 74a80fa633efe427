"""``forum seed``: deterministic, multilingual, real cooked HTML, counters right."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

import pytest
from faker import Faker
from sqlalchemy import select

from forum import markup
from forum.accounts.models import CodeOfConductAcceptance, User
from forum.accounts.services import resolve_usernames
from forum.discussions.models import Category, Post, Topic
from forum.extensions import db
from forum.seed import build_pool, compose, join_html, join_raw
from tests.conftest import _empty_tables
from tests.invariants import assert_invariants

SMALL = ["forum", "seed", "--users", "30", "--topics", "40", "--posts", "300"]
SECRET_COLUMNS = {"password_hash", "session_token"}  # random on purpose: not part of the data

pytestmark = pytest.mark.committing  # the seeder writes through a connection of its own (db.engine.connect())


def _run(runner, *extra: str) -> None:
    result = runner.invoke(args=[*SMALL, *extra])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()


def _digest() -> str:
    h = hashlib.sha256()
    for model in (User, CodeOfConductAcceptance, Category, Topic, Post):
        columns = [c for c in model.__table__.columns if c.name not in SECRET_COLUMNS]
        for row in db.session.execute(select(*columns).order_by(model.__table__.c.id)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _fresh_database() -> None:
    from forum.cli import ensure_default_data

    db.session.remove()
    _empty_tables()
    ensure_default_data()


def test_same_seed_same_data_other_seed_other_data(app, runner):
    _run(runner, "--seed", "7")
    first = _digest()
    assert db.session.scalar(select(Post.id).limit(1)) is not None
    _fresh_database()
    _run(runner, "--seed", "7")
    assert _digest() == first
    _fresh_database()
    _run(runner, "--seed", "8")
    assert _digest() != first


def test_seeded_rows_and_counters(app, runner):
    _run(runner, "--seed", "3")
    assert db.session.query(User).count() == 30
    assert db.session.query(Topic).count() == 40
    assert db.session.query(Post).count() == 300
    # Only the three default categories existed: a few more were added, topics spread over them.
    categories = db.session.scalars(select(Category)).all()
    assert len(categories) > 3
    assert len({t.category_id for t in db.session.scalars(select(Topic))}) >= 4
    assert_invariants("after forum seed")  # the Python oracle and `forum check` alike
    # Members of every language, named by Faker in that language; posts in the author's language.
    users = db.session.scalars(select(User)).all()
    assert Counter(u.locale for u in users) == {"it": 10, "fr": 10, "en": 10}
    assert all(u.display_name and " " in u.display_name for u in users)
    locale_of = {u.id: u.locale for u in users}
    assert all(p.language == locale_of[p.user_id] for p in db.session.scalars(select(Post)))
    # Every post's author had joined when it was written; replies come after the opening post.
    joined = {u.id: u.created_at for u in users}
    for post in db.session.scalars(select(Post)):
        assert joined[post.user_id] <= post.created_at
    # Seeded accounts accepted the code of conduct and are verified.
    assert all(u.is_verified and u.accepted_coc_version >= 1 for u in users)


def test_seed_with_one_locale(app, runner):
    _run(runner, "--seed", "4", "--locale", "it")
    assert {u.locale for u in db.session.scalars(select(User))} == {"it"}
    assert {p.language for p in db.session.scalars(select(Post))} == {"it"}


def test_stored_html_is_what_cooking_the_whole_post_gives(app, runner):
    """Composed HTML (concatenated cooked blocks, sentinel-filled quotes) equals cook(raw)."""
    runner.invoke(args=["forum", "seed", "--users", "40", "--topics", "30", "--posts", "1500", "--seed", "5"])
    db.session.expire_all()
    posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert len(posts) == 1500
    for post in posts:
        assert markup.cook(post.raw, resolve_users=resolve_usernames).html == post.cooked, post.raw
    raws = [p.raw for p in posts]
    # Realistic Markdown made it in: lists, emphasis, code, quotes of earlier posts, mentions.
    assert any("\n- " in r or "\n1. " in r for r in raws)
    assert any("**" in r for r in raws)
    assert any("```" in r or "`" in r for r in raws)
    assert any(r.startswith("[quote=") for r in raws)
    assert any('class="mention"' in p.cooked for p in posts)
    quoted = next(p for p in posts if p.raw.startswith("[quote="))
    assert f'href="/t/-/{quoted.topic_id}/{quoted.reply_to_post_number}"' in quoted.cooked


def test_composition_equals_cooking_on_many_samples(app):
    """The property the seeder relies on, on 3,000 random compositions from a pool."""
    rng = random.Random(11)
    fakers = {"it": Faker("it_IT"), "fr": Faker("fr_FR"), "en": Faker("en_US")}
    for n, fake in enumerate(fakers.values()):
        fake.seed_instance(n)
    names = {"giulia": "giulia", "pierre": "pierre", "emma": "emma"}
    pool = build_pool(rng, fakers, names, paragraphs_per_language=80)

    def resolve(candidates):
        return {c: names[c] for c in candidates if c in names}

    for i in range(3000):
        blocks = compose(rng, pool, ("it", "fr", "en")[i % 3])
        assert markup.cook(join_raw(blocks), resolve_users=resolve).html == join_html(blocks)


def test_posts_fewer_than_topics_is_refused(app, runner):
    result = runner.invoke(args=["forum", "seed", "--users", "2", "--topics", "10", "--posts", "5"])
    assert result.exit_code != 0 and "--posts" in result.output
    assert db.session.query(Topic).count() == 0
