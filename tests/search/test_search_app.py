"""Search through the app: real posts, the real Whoosh index, every role."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import pytest

from forum.discussions import services as discussions
from forum.discussions.models import PostState
from forum.extensions import db
from forum.search import services as search
from forum.search.models import PendingReindex
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def titles(client, query: str, **params) -> list[str]:
    response = client.get("/search", query_string={"q": query, **params})
    html = response.get_data(as_text=True)
    found = re.findall(r'<article class="card search-hit">\s*<h2><a [^>]+>(.*?)</a>', html)
    return [re.sub(r"<[^>]+>", "", t) for t in found]


@pytest.mark.parametrize(("locale", "body", "query"), [
    ("it", "Ho comprato due prodotti nuovi per la moka", "prodotto"),
    ("fr", "Les réparations de la cafetière sont gratuites", "réparation"),
    ("it", "Perché la guarnizione perde acqua?", "perche"),
    ("en", "The grinder keeps running after I stop it", "runs"),
])
def test_language_aware_stemming_and_accent_folding(client, locale, body, query):
    author = make_user(locale=locale)
    make_topic(author, title=f"Topic in {locale} language", body=body)
    assert titles(client, query) == [f"Topic in {locale} language"]


def test_results_respect_read_permissions_for_every_role(client, app):
    everyone = make_category("Open")
    members = make_category("Members", read_access="members")
    staff = make_category("Staff room", read_access="staff")
    writer = make_user("insider", role="moderator")
    for cat in (everyone, members, staff):
        make_topic(writer, category=cat, title=f"Espresso talk in {cat.name}", body="espresso secrets")
    expect = {
        None: {"Espresso talk in Open"},
        "member": {"Espresso talk in Open", "Espresso talk in Members"},
        "moderator": {"Espresso talk in Open", "Espresso talk in Members", "Espresso talk in Staff room"},
    }
    for role, wanted in expect.items():
        c = app.test_client()
        if role:
            make_user(f"r{role}", role=role)
            c.login(f"r{role}")
        page = c.get("/search", query_string={"q": "espresso"}).get_data(as_text=True)
        assert set(titles(c, "espresso")) == wanted, role
        assert f"{len(wanted)} result" in page  # totals count only what the searcher may see


def test_pending_hidden_and_withdrawn_posts_stay_out_unless_staff_opts_in(client, app):
    topic = make_topic(title="Descaling the machine", body="vinegar or citric acid")
    author = make_user("writer")
    reply = make_reply(topic, author, body="Secret descaling formula with lemon")
    assert titles(client, "lemon") == ["Descaling the machine"]
    discussions.withdraw_post(author, reply)
    assert titles(client, "lemon") == []
    mod = make_user("mod", role="moderator")
    staff_client = app.test_client()
    staff_client.login("mod")
    assert titles(staff_client, "lemon") == []
    assert titles(staff_client, "lemon", include_hidden="y") == ["Descaling the machine"]
    # A member cannot opt in.
    member_client = app.test_client()
    make_user("nosy")
    member_client.login("nosy")
    assert titles(member_client, "lemon", include_hidden="y") == []
    discussions.restore_withdrawn_post(author, reply)
    assert titles(client, "lemon") == ["Descaling the machine"]
    assert mod.is_moderator


def test_edits_and_title_changes_reach_the_index(client):
    author = make_user()
    topic = make_topic(author, title="Old title about kettles", body="first version mentions kettles")
    post = opening_post(topic)
    discussions.edit_post(author, post, "second version mentions teapots", title="New title about teapots")
    assert titles(client, "kettles") == []
    assert titles(client, "teapots") == ["New title about teapots"]


def test_filters_in_the_box_and_as_form_controls(client):
    alice = make_user("alice")
    support = make_category("Support desk", slug="support-desk")
    make_topic(alice, support, title="Pump is noisy", body="the pump hums loudly")
    make_topic(make_user("bob"), title="Pump replacement", body="where to buy a pump")
    assert set(titles(client, "pump")) == {"Pump is noisy", "Pump replacement"}
    assert titles(client, "pump @alice") == ["Pump is noisy"]
    assert titles(client, "pump", author="alice") == ["Pump is noisy"]
    assert titles(client, "pump category:support-desk") == ["Pump is noisy"]
    assert titles(client, "pump", category="support-desk") == ["Pump is noisy"]
    assert titles(client, "pump -hums") == ["Pump replacement"]
    assert titles(client, '"buy a pump"') == ["Pump replacement"]
    assert titles(client, "noisy in:title") == ["Pump is noisy"]


def test_abusive_queries_get_a_clear_message(client):
    for text, message in [("x" * 201, "200 characters"), ("*spam", "cannot start with"),
                          (" ".join(f"w{i}" for i in range(13)), "at most 12 words")]:
        response = client.get("/search", query_string={"q": text})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_visitors_and_members_are_rate_limited_each_at_their_own_limit(app, database_url, tmp_path):
    from tests.conftest import FormClient, make_app

    limited = make_app(database_url, tmp_path, SEARCH_BACKEND="whoosh", RATELIMIT_ENABLED=True,
                       RATELIMIT_SEARCH="3 per minute", RATELIMIT_SEARCH_MEMBER="5 per minute")
    limited.test_client_class = FormClient
    visitor = limited.test_client()
    codes = [visitor.get("/search?q=coffee").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    make_user("regular")
    make_user("colleague")
    member = limited.test_client()
    member.login("regular")
    # Same IP as the visitor who ran out: members are counted per account, not per IP.
    codes = [member.get("/search?q=coffee").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    colleague = limited.test_client()
    colleague.login("colleague")
    assert colleague.get("/search?q=coffee").status_code == 200


def test_a_failed_index_update_keeps_the_post_and_is_retried(client, app, monkeypatch):
    backend = app.extensions["forum.search"]
    original = backend.index

    def broken(docs):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "index", broken)
    topic = make_topic(title="Milk frother tips", body="steam wand cleaning")
    assert topic.id is not None  # the write stands
    assert db.session.scalar(db.select(PendingReindex.object_id)) is not None
    assert titles(client, "frother") == []
    monkeypatch.setattr(backend, "index", original)
    make_topic(title="Another topic", body="unrelated words")  # a later write drains the queue
    assert db.session.scalar(db.select(PendingReindex.id)) is None
    assert titles(client, "frother") == ["Milk frother tips"]


def test_reindex_command_rebuilds_from_the_database(client, runner, app):
    make_topic(title="Bean storage question", body="airtight jars")
    app.extensions["forum.search"].clear()
    assert titles(client, "airtight") == []
    result = runner.invoke(args=["forum", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    assert titles(client, "airtight") == ["Bean storage question"]


def test_excerpts_are_escaped_with_marks(client):
    make_topic(title="Script in a post", body="Look: <script>alert(1)</script> the gasket is worn")
    html = client.get("/search?q=gasket").get_data(as_text=True)
    assert "<mark>gasket</mark>" in html
    assert "<script>alert" not in html


def _post_from_process(database_url: str, index_dir: str, n: int, worker: int) -> None:
    from forum import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": index_dir, "SERVER_NAME": "forum.test"})
    with app.app_context():
        from forum.accounts.models import User
        from forum.discussions.models import Topic

        author = db.session.scalar(db.select(User).where(User.username == "multi"))
        topic = db.session.get(Topic, 1) or db.session.scalar(db.select(Topic))
        for i in range(n):
            discussions.create_reply(author, topic, f"parallelword{worker} message {i}")


@pytest.mark.committing  # other processes write to the database
def test_concurrent_posting_from_several_processes_loses_nothing(app, database_url):
    make_user("multi")
    make_topic(title="Busy topic for workers", body="start")
    ctx = multiprocessing.get_context("spawn")
    index_dir = app.config["SEARCH_INDEX_DIR"]
    procs = [ctx.Process(target=_post_from_process, args=(database_url, index_dir, 5, w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    db.session.expire_all()
    backend = app.extensions["forum.search"]
    backend.close()
    for w in range(3):
        res = search.search(make_user(f"reader{w}"), search.SearchRequest(text=f"parallelword{w}"))
        assert res.results.total == 5
    assert db.session.scalar(db.select(PendingReindex.id)) is None
    assert PostState.PUBLISHED == "published"
    assert Path(index_dir).is_dir()
