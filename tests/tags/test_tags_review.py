"""Review fixes: lock order of the counters, a deleted tag restorable from its audit entry, the
/tags query count, the lists' active tag filter."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from forum.audit.models import AuditLog
from forum.discussions import services as discussions
from forum.extensions import db
from forum.tags import admin
from tests.factories import make_category, make_user
from tests.tags.conftest import make_group, make_tag


def _statements_during(action):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def _assert_tags_locked_before_updates(statements: list[str]) -> None:
    updates = [i for i, s in enumerate(statements) if s.startswith("UPDATE tags ")]
    assert updates, statements
    lock = re.compile(r"^SELECT tags\.id FROM tags WHERE tags\.id IN .* ORDER BY tags\.id( FOR UPDATE)?$")
    locks = [i for i, s in enumerate(statements) if lock.match(s)]
    assert locks and locks[0] < updates[0], statements
    if db.engine.dialect.name == "postgresql":
        assert all(statements[i].endswith("FOR UPDATE") for i in locks)


def test_retag_and_merge_lock_tag_rows_in_id_order_before_moving_counts(app):
    boss = make_user("boss", role="admin")
    make_tag("moka"), make_tag("moka-pro")
    cat = make_category()
    _assert_tags_locked_before_updates(_statements_during(
        lambda: discussions.create_topic(boss, cat, "Tagged with both tags", "Words.", tags="moka, moka-pro")))
    old = db.session.scalar(select(admin.Tag).where(admin.Tag.name == "moka"))
    _assert_tags_locked_before_updates(_statements_during(lambda: admin.merge_tag(boss, old, "moka-pro")))


def test_deleted_tag_keeps_in_its_audit_entry_what_a_restore_needs(app):
    boss = make_user("boss", role="admin")
    tag = make_tag("obsolete")
    make_tag("old-name", target=tag)
    cat = make_category()
    ids = sorted(discussions.create_topic(boss, cat, f"Obsolete product {i}", "Words.", tags="obsolete").post.topic.id
                 for i in range(2))
    admin.delete_tag(boss, tag)
    before = db.session.scalar(select(AuditLog.before).where(AuditLog.action == "tag.delete"))
    assert before["name"] == "obsolete" and before["topic_ids"] == ids and before["synonyms"] == ["old-name"]


def _count(client, count_queries, url: str) -> tuple[int, list[str]]:
    client.get(url)
    with count_queries() as q:
        assert client.get(url).status_code == 200
    return q.count, q.statements


def test_tag_index_runs_the_same_sql_for_one_tag_as_for_thirty(client, count_queries):
    boss = make_user("boss", role="admin")
    cat = make_category()
    make_tag("first")
    discussions.create_topic(boss, cat, "The very first topic", "Words.", tags="first")
    small = _count(client, count_queries, "/tags")
    groups = [make_group(f"Group {i}") for i in range(3)]
    for i in range(30):
        make_tag(f"tag-{i}", group=groups[i % 3])
    for i in range(10):
        discussions.create_topic(boss, cat, f"Tagged topic number {i}", "Words.",
                                 tags=f"tag-{i}, tag-{i + 10}, tag-{i + 20}")
    big = _count(client, count_queries, "/tags")
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])
    assert "tag-29" in client.get("/tags").get_data(as_text=True)


def test_lists_show_the_active_tag_keep_it_in_filter_links_and_name_unknown_tags(client):
    boss = make_user("boss", role="admin")
    moka = make_tag("moka-pro")
    make_tag("mokapro", target=moka)
    cat = make_category("Coffee", slug="coffee")
    discussions.create_topic(boss, cat, "Public moka question", "Words.", tags="moka-pro")
    for url, base in (("/latest?tag=moka-pro", "/latest"), ("/c/coffee?tag=moka-pro", "/c/coffee"),
                      ("/latest?tag=mokapro&solved=yes", "/latest")):
        page = client.get(url).get_data(as_text=True)
        assert re.search(r'class="tag-filter".*?Tag:.*?>moka-pro</a>', page, re.S), page
        assert f'href="{base}?official=yes&amp;tag=moka' in page  # the filter links keep the tag
        assert "clear</a>" in page
    assert 'href="/latest?solved=yes">clear' in client.get("/latest?tag=moka-pro&solved=yes").get_data(as_text=True)
    unknown = client.get("/latest?tag=nonexistent").get_data(as_text=True)
    assert "There is no tag “nonexistent”." in unknown
    assert "There is no tag" in client.get("/c/coffee?tag=nonexistent").get_data(as_text=True)


def test_the_domain_registers_one_blueprint_with_the_same_urls(app):
    ours = sorted(name for name, bp in app.blueprints.items() if bp.import_name.startswith("forum.tags"))
    assert ours == ["tags"]
    rules = {(r.rule, m): r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("tags.")
             for m in r.methods or () if m in ("GET", "POST")}
    assert rules[("/admin/tags", "GET")] == "tags.admin_index" and rules[("/tags", "GET")] == "tags.index"
    assert rules[("/admin/tags/<int:tag_id>/delete", "POST")] == "tags.admin_delete_tag"


def test_admin_pages_stay_closed_to_moderators_and_visitors(client):
    assert client.get("/admin/tags").status_code == 404  # the admin area does not admit it exists
    make_user("mod", role="moderator")
    client.login("mod")
    assert client.get("/admin/tags").status_code == 403
    assert client.post_form("/admin/tags/settings", {"settings-max_per_topic": "3"}).status_code == 403
