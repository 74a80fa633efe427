"""The audit log: filterable, keyset-paginated, exportable as CSV, append-only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.audit import AuditLog, record_action
from forum.audit.services import AUDIT_PAGE_SIZE
from forum.db_types import utcnow
from forum.discussions.services import topic_tools
from forum.extensions import db
from forum.moderation import services
from tests.factories import make_topic, make_user


def entries(html: str) -> int:
    return html.count('class="muted small audit-code"')


def test_audit_page_filters_and_pages_by_keyset(app, client, mod, member, category):
    topic = make_topic(member, category)
    topic_tools.lock_topic(mod, topic)
    topic_tools.lock_topic(mod, topic, False)
    services.warn_user(mod, member, "Mind the rules.")
    other = make_user("otto", role="moderator")
    for _ in range(AUDIT_PAGE_SIZE + 5):
        record_action(other, "review.claim", "review_item", 1)
    db.session.commit()
    client.login("mona")
    html = client.get("/moderation/audit?actor=mona").get_data(as_text=True)
    assert entries(html) == 3 and "topic.lock" in html and "user.warn" in html
    html = client.get("/moderation/audit?action=topic").get_data(as_text=True)
    assert entries(html) == 2
    html = client.get(f"/moderation/audit?target_type=user&target_id={member.id}").get_data(as_text=True)
    assert entries(html) == 1 and "Mind the rules." in html
    first = client.get("/moderation/audit").get_data(as_text=True)
    assert entries(first) == AUDIT_PAGE_SIZE and "Older entries" in first
    page = services.audit_page(mod, services.AuditFilters())
    rest = services.audit_page(mod, services.AuditFilters(), before=page.next_before)
    assert len(rest.entries) == 8 and rest.next_before is None
    assert not {e.id for e in page.entries} & {e.id for e in rest.entries}
    tomorrow = (utcnow() + timedelta(days=1)).date()
    assert services.audit_page(mod, services.AuditFilters(since=tomorrow)).entries == []
    assert len(services.audit_page(mod, services.AuditFilters(until=tomorrow, actor="mona")).entries) == 3


def test_csv_export(app, client, mod, member):
    services.warn_user(mod, member, "=HYPERLINK(\"http://evil\")")
    client.login("mona")
    response = client.get("/moderation/audit.csv?action=user.warn")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "created_at", "actor", "action"]
    assert rows[1][2:4] == ["mona", "user.warn"]
    assert rows[1][8].startswith("'=")  # no formula injection in spreadsheets


@pytest.mark.parametrize("reason", ["\t=1+1", "\r=1+1", "-2+3", "@SUM(A1)"])
def test_csv_export_defuses_every_formula_start(app, client, mod, reason):
    record_action(mod, "test.formula", "post", 1, reason=reason)
    db.session.commit()
    client.login("mona")
    rows = list(csv.reader(io.StringIO(client.get("/moderation/audit.csv?action=test.formula").get_data(as_text=True)),
                           ))
    assert rows[1][8] == "'" + reason


def test_the_audit_log_is_append_only(app, mod):
    entry = record_action(mod, "test.action", "post", 1, reason="kept")
    db.session.commit()
    entry.reason = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    entry = db.session.scalar(select(AuditLog))
    db.session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(AuditLog.reason)) == "kept"


def test_settings_changes_are_audited(app, client, admin):
    client.login("ada")
    response = client.post_form("/moderation/settings", {
        "first_posts_need_approval": "2", "flags_to_hide": "4", "claim_minutes": "15",
        "approve_members": "y", "application_questions": "Which product?\nWhere do you live?",
        "flag_reasons": "spam\nother\nWrong language", "rejection_reasons": "duplicate"})
    assert response.status_code == 302
    assert services.moderation_settings()["application_questions"] == ["Which product?", "Where do you live?"]
    assert services.moderation_settings()["flags_to_hide"] == 4
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "settings.moderation"))
    assert entry.before["flags_to_hide"] == 3 and entry.after["flags_to_hide"] == 4
    page = client.get("/moderation/settings").get_data(as_text=True)
    assert "Wrong language" in page


def test_entries_read_as_words_names_not_ids(app, client, mod, member, category, count_queries):
    from forum.discussions.models import Category

    topic = make_topic(member, category, title="Grinder jammed")
    support = db.session.scalar(select(Category).where(Category.slug == "support"))
    topic_tools.move_topic(mod, topic, support)
    services.silence_user(mod, member, timedelta(days=2), "Cool down.")
    from tests.factories import opening_post
    services.hide_post(mod, opening_post(topic), "Off topic")
    db.session.commit()
    client.login("mona")
    with count_queries() as queries:
        html = client.get("/moderation/audit").get_data(as_text=True)
    assert "Moved a topic" in html and "“Grinder jammed”" in html
    # category_id 3 → 4 reads as the categories' names
    assert f"<del>{category.name}</del> → <ins>Support</ins>" in html
    assert "Made a member read-only" in html and f"{member.display_name} (@{member.username})" in html
    assert "Read-only until" in html and '"silenced_until"' not in html
    assert "Hid a post" in html and "#1 in “Grinder jammed”" in html
    assert "{&#34;" not in html and '{"' not in html  # no raw JSON left
    assert queries.count <= 14  # one query per kind of target on the page, not per entry


def test_an_entry_about_something_gone_says_what_it_was(app, client, mod):
    record_action(mod, "topic.lock", "topic", 999_999, before={"locked": False}, after={"locked": True})
    db.session.commit()
    client.login("mona")
    html = client.get("/moderation/audit").get_data(as_text=True)
    assert "Closed a topic" in html and "topic #999999 (no longer exists)" in html
    assert "<del>no</del> → <ins>yes</ins>" in html


def test_the_audit_log_reads_in_the_moderators_language(app, client, mod, member):
    services.warn_user(mod, member, "Attenzione.")
    mod.locale = "it"
    db.session.commit()
    client.login("mona")
    html = client.get("/moderation/audit").get_data(as_text=True)
    assert "Ha inviato un avvertimento a un membro" in html


def test_admins_changes_to_categories_and_the_code_of_conduct_are_audited(app, client):
    from forum.accounts import services as accounts
    from forum.admin import services as admin_services

    admin = make_user("ada", role="admin")
    category = admin_services.create_category(admin, {"name": "Espresso machines", "read_access": "everyone",
                                                      "topic_access": "members"})
    admin_services.update_category(admin, category, {"name": "Espresso machines", "read_access": "members",
                                                     "topic_access": "members"})
    accounts.publish_coc(admin, "Be kind. Stay on topic. No order numbers in public.", "No order numbers.")
    entries = {e.action: e for e in db.session.scalars(select(AuditLog).where(AuditLog.actor_id == admin.id))}
    assert set(entries) == {"category.create", "category.update", "coc.publish"}
    assert entries["category.update"].before == {"read_access": "everyone"}
    assert entries["category.update"].after == {"read_access": "members"}
    client.login("ada")
    html = client.get("/moderation/audit").get_data(as_text=True)
    assert "Created a category" in html and "Changed a category" in html and "Published the code of conduct" in html
    assert "<del>everyone</del> → <ins>members</ins>" in html and "Code of conduct, version 2" in html


def test_a_change_to_a_category_translation_alone_is_audited(app):
    from forum.admin import services as admin_services

    admin = make_user("ada", role="admin")
    form = {"name": "Brewing", "read_access": "everyone", "topic_access": "members",
            "description": "x" * 400, "translations": {"it": {"name": "Infusione", "description": ""}}}
    category = admin_services.create_category(admin, form)
    admin_services.update_category(admin, category, {**form, "translations": {"it": {"name": "Estrazione",
                                                                                   "description": ""}}})
    admin_services.update_category(admin, category, {**form, "description": "x" * 400 + "y",
                                                     "translations": {"it": {"name": "Estrazione",
                                                                             "description": ""}}})
    updates = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "category.update")
                                      .order_by(AuditLog.id)))
    assert [set(u.after) for u in updates] == [{"translations"}, {"description"}]
    assert updates[0].before["translations"]["it"]["name"] == "Infusione"
    assert updates[0].after["translations"]["it"]["name"] == "Estrazione"
