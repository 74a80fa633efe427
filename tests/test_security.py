"""Secure by default: CSRF on every POST route, output escaped everywhere, browser headers."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from werkzeug.routing import AnyConverter, IntegerConverter

from forum import markup
from forum.accounts.models import User
from forum.discussions.models import Category, PostState
from forum.extensions import db
from forum.settings import set_setting
from tests.accounts.helpers import FAST_HASH
from tests.factories import make_category, make_topic, make_user, opening_post

OUR_SCRIPT = "/theme/js/forum.js"
# Pages with a reply box or the new-topic form load the composer too (defer, same origin);
# topic pages load read tracking for members.
OUR_SCRIPTS = {OUR_SCRIPT, "/theme/js/composer.js", "/theme/js/reading.js", "/theme/js/reactions.js",
               "/theme/js/notifications.js", "/theme/js/uploads.js"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


# --- CSRF ---------------------------------------------------------------------------------------

def post_rules(app: Any) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if "POST" in (r.methods or set())), key=lambda r: r.rule)


def dummy_value(name: str, converter: Any, ids: dict[str, int]) -> Any:
    if isinstance(converter, IntegerConverter):
        return ids.get(name, 1)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def dummy_url(rule: Any, ids: dict[str, int]) -> str:
    """The rule's URL with ``ids`` for its integer parts (ids are not 1 under rollback isolation:
    PostgreSQL sequences are not rolled back)."""
    values = {name: dummy_value(name, conv, ids) for name, conv in rule._converters.items()}
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule}"
    return built[1]


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a request refused for CSRF must leave all of them alone.

    Read through the test's session: under rollback isolation nothing the test wrote is
    committed, so another connection would see empty tables (and the check could not fail)."""
    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        result = db.session.execute(select(table).order_by(*table.primary_key.columns or table.columns))
        rows[table.name] = [tuple(r) for r in result]
    assert rows["topics"], "the snapshot sees the test's rows"
    return rows


# Fields most forms read, so that a request passing CSRF would actually change something.
PLAUSIBLE_FORM = {
    "body": "A body long enough to be accepted by every form here.", "title": "A perfectly fine title",
    "name": "Renamed", "summary": "Changed", "locale": "fr", "next": "/", "login": "csrfadmin",
    "password": "correct horse battery", "accept": "y", "version": "1", "category": "1", "reason": "because",
    "display_name": "Changed name", "community_name": "Hacked", "read_access": "everyone",
    "topic_access": "members", "username": "newcomer", "email": "new@example.org", "accept_coc": "y",
    "coc_version": "1",
}


def test_every_post_route_refuses_a_request_without_a_csrf_token(client, app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    admin = make_user("csrfadmin", role="admin")
    topic = make_topic(author=admin, title="Target topic for forged posts")
    ids = {"topic_id": topic.id, "post_id": opening_post(topic).id, "user_id": admin.id,
           "category_id": topic.category_id}
    assert db.session.get(Category, ids["category_id"]) is not None  # dummy ids point at real rows
    assert client.login("csrfadmin").status_code == 302
    rules = post_rules(app)
    paths = {r.rule for r in rules}
    # The enumeration really sees the app (guards this test against finding nothing).
    assert {"/login", "/register", "/logout", "/language", "/admin/brand", "/admin/code-of-conduct",
            "/t/<int:topic_id>/reply", "/new-topic", "/settings/password"} <= paths

    before = snapshot()
    answers = {}
    for rule in rules:
        url = dummy_url(rule, ids)
        response = client.post(url, data=PLAUSIBLE_FORM)
        answers[f"{rule.rule} ({url})"] = response.status_code
    wrong = {route: code for route, code in answers.items() if code != 400}
    assert not wrong, f"POST routes that did not refuse a missing CSRF token with 400: {wrong}"
    assert snapshot() == before, "a request without a CSRF token changed the database"
    # Still signed in: not even the logout went through.
    assert client.get("/settings").status_code == 200


def test_the_same_requests_with_a_token_go_through(client):
    # The 400s above come from the missing token, not from requests that could never work.
    make_user("csrfadmin", role="admin")
    client.login("csrfadmin")
    assert client.post_form("/language", PLAUSIBLE_FORM).status_code == 302
    assert client.post_form("/admin/brand", PLAUSIBLE_FORM).status_code == 302
    assert client.post_form("/logout", PLAUSIBLE_FORM).status_code == 302
    assert client.get("/settings").status_code == 302  # signed out


def test_a_wrong_csrf_token_is_refused_too(client):
    make_user("mario")
    client.login("mario")
    response = client.post("/settings", data={"csrf_token": "forged", "display_name": "Hacked"})
    assert response.status_code == 400
    assert User.query.filter_by(username="mario").one().display_name == "Mario"


def test_the_csrf_error_page_is_friendly_and_translated(client):
    page = client.post("/login", data={"login": "x", "password": "y"}, headers={"Accept-Language": "it"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "The CSRF token is missing" not in html
    assert '<html lang="it">' in html


# --- XSS ----------------------------------------------------------------------------------------

def load_vectors(corpora: Path, count: int = 40) -> list[str]:
    """A deterministic spread of payloads from every corpus file."""
    files = sorted((corpora / "xss").glob("*.jsonl"))
    assert files, "no XSS corpora"
    per_file = -(-count // len(files))
    vectors: list[str] = []
    for path in files:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        payloads = [str(i.get("payload") or i.get("input") or "") for i in items]
        payloads = [p for p in payloads if p.strip()]
        step = max(1, len(payloads) // per_file)
        vectors += payloads[::step][:per_file]
    # Always include the classics.
    vectors += ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg/onload=alert(1)>",
                "javascript:alert(1)", "</title><script>alert(1)</script>", "</textarea><script>alert(1)</script>"]
    return vectors


class ActiveContentFinder(HTMLParser):
    """Collects what would run in a browser: event handler attributes, scripts, script URLs."""

    URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcdoc"}
    FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.styles = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in self.URL_ATTRS and value:
                squeezed = "".join(ch for ch in value if ch > " ").lower()
                scheme = squeezed.split(":", 1)[0] if ":" in squeezed else ""
                if scheme in ("javascript", "vbscript") and not squeezed.split(":", 1)[1].isdigit():
                    # bleach keeps "javascript:123" (it reads a port); nothing can run there.
                    self.problems.append(f"<{tag} {name}={value!r}>")
                if squeezed.startswith("data:text/html"):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and dict(attrs).get("src") not in OUR_SCRIPTS:
            self.problems.append(f"<script {attrs}>")
        elif tag == "script":
            self.scripts += 1
        if tag in self.FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(n == "http-equiv" for n, _v in attrs):
            self.problems.append("<meta http-equiv>")
        if tag == "style":
            self.styles += 1


def assert_inert(html: str, where: str) -> None:
    finder = ActiveContentFinder()
    finder.feed(html)
    finder.close()
    assert not finder.problems, f"{where}: active content injected: {finder.problems[:5]}"
    assert html.lower().count("<script") == finder.scripts >= 1, f"{where}: an unescaped <script"
    assert finder.styles <= 1, f"{where}: a <style> element besides the brand colours"


@pytest.fixture
def planted(app: Any, corpora: Path) -> dict[str, Any]:
    """Vectors stored the way the services store them, everywhere member or admin text is shown."""
    vectors = load_vectors(corpora)
    admin = make_user("xssadmin", role="admin")
    set_setting("community_name", vectors[0][:80])
    set_setting("community_tagline", vectors[1][:160])
    users, topics, categories = [], [], []
    for n, vector in enumerate(vectors):
        member = make_user(f"xss{n}", display_name=vector[:64])
        member.bio = vector
        member.bio_html = markup.cook(vector).html
        category = make_category(name=vector[:80], slug=f"xss-{n}", description=vector)
        topic = make_topic(author=member, category=category, title=f"Harmless title {n}")
        topic.title = vector[:255]
        post = opening_post(topic)
        post.raw = vector
        post.cooked = markup.cook(vector).html
        post.state = PostState.PUBLISHED
        topic.state = PostState.PUBLISHED
        users.append(member)
        topics.append(topic)
        categories.append(category)
    db.session.commit()
    return {"vectors": vectors, "admin": admin, "users": users, "topics": topics, "categories": categories}


def test_xss_vectors_stay_inert_on_every_page(client, planted):
    users, topics, categories = (planted[k] for k in ("users", "topics", "categories"))
    # Every vector is on the lists; each one's own pages are rendered once, by the visitor.
    visitor = ["/", "/latest", "/code-of-conduct", "/login", "/register"]
    visitor += [f"/c/{c.slug}" for c in categories[:10]]
    visitor += [f"/t/{t.slug}/{t.id}" for t in topics]
    visitor += [f"/u/{u.username}" for u in users]
    member = ["/", "/latest", "/settings", f"/t/{topics[0].slug}/{topics[0].id}", f"/u/{users[1].username}"]
    admin = ["/", "/admin/", "/admin/categories", "/admin/brand", "/admin/code-of-conduct",
             "/admin/code-of-conduct/1/acceptances", f"/t/{topics[2].slug}/{topics[2].id}"]
    admin += [f"/admin/categories/{c.id}" for c in categories[:10]]
    for who, urls in ((None, visitor), ("xss0", member), ("xssadmin", admin)):
        if who:
            client.login(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_inert(response.get_data(as_text=True), f"{url} as {who or 'visitor'}")
        if who:
            client.post_form("/logout")


def test_xss_vectors_echoed_from_query_strings_and_forms_stay_inert(client, app, corpora):
    vectors = load_vectors(corpora)
    token = client.csrf_token()
    search = any(r.rule == "/search" for r in app.url_map.iter_rules())
    for vector in vectors:
        gets = [("/login", {"next": vector}), ("/latest", {"before": vector})]
        gets += [("/search", {"q": vector})] if search else [("/code-of-conduct", {"next": vector})]
        for path, query in gets:
            response = client.get(path, query_string=query)
            assert response.status_code in (200, 400, 404), path
            assert_inert(response.get_data(as_text=True), f"{path}?{query}")
        for path, form in (("/login", {"login": vector, "password": "whatever it is"}),
                           ("/register", {"username": vector, "display_name": vector, "email": vector,
                                          "password": "x", "coc_version": "1"})):
            response = client.post(path, data={"csrf_token": token, **form})
            assert response.status_code == 400, path  # refused, with the typed text shown back
            assert_inert(response.get_data(as_text=True), f"POST {path} with {vector!r}")


def test_the_detector_finds_what_it_should(client):
    # Guards the checks above: a page with each kind of injection must be caught.
    for bad in ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '<a href="javascript:alert(1)">x</a>',
                '<iframe src="https://evil.example"></iframe>', '<a href=" JaVa\tScRiPt:alert(1)">x</a>']:
        page = f'<html><head><script src="{OUR_SCRIPT}" defer></script></head><body>{bad}</body></html>'
        with pytest.raises(AssertionError):
            assert_inert(page, "sample")
    assert_inert(f'<html><script src="{OUR_SCRIPT}"></script><p>&lt;script&gt;</p></html>', "escaped")


# --- headers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/login", "/healthz", "/nope-404", "/theme/css/forum.css"])
def test_security_headers_on_every_answer(client, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookies_are_httponly_and_samesite(client):
    make_user("mario")
    response = client.post_form("/login", {"login": "mario", "password": "correct horse battery", "remember": "y"})
    for cookie in response.headers.getlist("Set-Cookie"):
        if cookie.startswith(("session=", "remember_token=")):
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_no_sql_error_from_nul_bytes_in_account_forms(client):
    # PostgreSQL refuses NUL in text; a stray one must not become a server error.
    make_user("mario")
    assert client.post_form("/login", {"login": "ma\x00rio", "password": "x\x00y"}).status_code == 400
    assert client.post_form("/password/reset", {"login": "a\x00b@example.org"}).status_code == 200
    assert client.get("/u/ma%00rio").status_code in (301, 404)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


# --- no GET changes state -------------------------------------------------------------------------

# Bookkeeping a page view may touch without changing anything a member made or decided.
GET_MAY_TOUCH = {("users", "last_seen_at"), ("users", "previous_visit_at")}


def without_bookkeeping(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    skipped = {table: [i for i, column in enumerate(db.metadata.tables[table].columns) if (table, column.name)
                       in GET_MAY_TOUCH] for table in rows}
    return {table: [tuple(v for i, v in enumerate(row) if i not in skipped[table]) for row in table_rows]
            for table, table_rows in rows.items()}


def test_no_get_request_changes_the_database(client, app):
    member = make_user("getter")
    topic = make_topic(author=member, title="A topic with drafts around it")
    post = opening_post(topic)
    with app.test_request_context():
        from forum.discussions.services import save_draft
        save_draft(member, "topic", None, {"kind": "topic", "key": None, "title": "Kept", "body": "Kept body"})
        save_draft(member, "reply", topic.id, {"kind": "reply", "key": topic.id, "body": "Kept reply"})
        save_draft(member, "edit", post.id, {"kind": "edit", "key": post.id, "body": "Kept edit"})
    ids = {"topic_id": topic.id, "post_id": post.id, "user_id": member.id, "category_id": topic.category_id}
    client.login("getter")
    rules = sorted((r for r in app.url_map.iter_rules() if "GET" in (r.methods or set())), key=lambda r: r.rule)
    assert {"/new-topic", "/t/<slug>/<int:topic_id>", "/posts/<int:post_id>/edit"} <= {r.rule for r in rules}
    before = without_bookkeeping(snapshot())
    for rule in rules:
        client.get(dummy_url(rule, ids))
        client.get(dummy_url(rule, ids).replace("/x/", f"/{topic.slug}/"))
    changed = {t for t, rows in without_bookkeeping(snapshot()).items() if rows != before[t]}
    assert not changed, f"GET requests changed these tables: {changed}"


def test_an_image_pointing_at_new_topic_does_not_wipe_the_draft(client, app):
    make_user("drafter")
    client.login("drafter")
    with app.test_request_context():
        from forum.discussions.services import read_draft, save_draft
        drafter = User.query.filter_by(username="drafter").one()
        save_draft(drafter, "topic", None, {"kind": "topic", "key": None, "title": "My draft", "body": "Half"})
    assert "Half" in client.get("/new-topic").get_data(as_text=True)
    assert "Half" in client.get("/new-topic").get_data(as_text=True)  # still there: a GET took nothing
    page = client.get("/new-topic").get_data(as_text=True)
    assert "Discard draft" in page
    client.post_form("/drafts/topic/new/discard", {"next": "/new-topic"})
    with app.test_request_context():
        assert read_draft(drafter, "topic", None) is None
