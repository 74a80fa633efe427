"""The site banner (levels, languages, schedule, dismissal, zero extra queries) and read-only mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.audit.models import AuditLog
from forum.crisis import site_notices
from forum.db_types import utcnow
from forum.discussions.models import Post
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user

TEXTS = {"en": "**Outage**: payments are down.", "it": "**Guasto**: i pagamenti non funzionano.", "fr": ""}


@pytest.fixture
def admin(app):
    return make_user("ada", role="admin")


def _save(admin, **overrides):
    values = {"level": "warning", "text_format": "markdown", "texts": TEXTS, "dismissible": True,
              "starts_at": None, "ends_at": None}
    values.update(overrides)
    return site_notices.save_banner(admin, **values)


def _home(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_banner_in_the_readers_language_with_fallback(app, client, admin):
    _save(admin)
    make_user("italo", locale="it")
    make_user("franc", locale="fr")
    assert "<strong>Outage</strong>: payments are down." in _home(client)  # visitors: the default language
    client.login("italo")
    page = _home(client)
    assert "<strong>Guasto</strong>" in page and "Outage" not in page and 'lang="it"' in page
    client.post_form("/logout")
    client.login("franc")
    assert "<strong>Outage</strong>" in _home(client)  # no French text: the default language's


@pytest.mark.parametrize(("level", "role"), [("info", "status"), ("warning", "status"), ("critical", "alert")])
def test_levels_and_roles(app, client, admin, level, role):
    _save(admin, level=level)
    page = _home(client)
    assert f'class="banner crisis-banner {level}" role="{role}"' in page


def test_plain_text_is_escaped(app, client, admin):
    _save(admin, text_format="plain", texts={"en": "<script>alert(1)</script> **not bold**"})
    page = _home(client)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **not bold**" in page and "<script>alert(1)" not in page


def test_markdown_is_cooked_and_sanitised(app, client, admin):
    _save(admin, texts={"en": "Read [this](javascript:alert(1)) <img src=x onerror=alert(1)>"})
    page = _home(client)
    assert 'href="javascript' not in page and "<img src=x" not in page and "&lt;img src=x" in page


def test_schedule_start_and_end(app, client, admin):
    now = utcnow()
    _save(admin, starts_at=now + timedelta(hours=1))
    assert "payments are down" not in _home(client)
    assert site_notices.banner_state(site_notices.stored_banner()) == "scheduled"
    assert site_notices.banner_state(site_notices.stored_banner(), now + timedelta(hours=2)) == "live"
    _save(admin, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    assert "payments are down" not in _home(client)
    _save(admin, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    assert "payments are down" in _home(client)
    assert site_notices.end_banner(admin)
    assert "payments are down" not in _home(client)
    actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("crisis.banner%"))))
    assert actions.count("crisis.banner_save") == 3 and "crisis.banner_end" in actions


def test_dismissal_is_per_version_and_only_when_allowed(app, client, admin):
    first = _save(admin)
    page = _home(client)
    assert f'data-banner-version="{first["version"]}" data-dismissible="1"' in page
    assert "crisis-dismiss" in page and "js/crisis.js" in page
    second = _save(admin, dismissible=False)
    assert second["version"] == first["version"] + 1  # a new version shows again after a dismissal
    page = _home(client)
    assert f'data-banner-version="{second["version"]}"' in page
    assert "data-dismissible" not in page and "crisis-dismiss" not in page and "js/crisis.js" not in page


def test_banner_and_read_only_notice_cost_no_query(app, client, admin, count_queries):
    topic = make_topic(make_user("mia"), make_category("Help", slug="help"), title="A kettle that whistles")
    make_reply(topic)
    url = f"/t/{topic.slug}/{topic.id}"
    client.get(url)
    with count_queries() as before:
        assert "payments are down" not in client.get(url).get_data(as_text=True)
    _save(admin)
    site_notices.set_read_only(admin, True, "Back at six.")
    client.get(url)
    with count_queries() as after:
        page = client.get(url).get_data(as_text=True)
    assert "payments are down" in page and "Back at six." in page
    assert after.count == before.count, "\n".join(after.statements)


def test_admin_page_previews_saves_and_ends(app, client, admin):
    client.login("ada")
    assert client.get("/admin/crisis").status_code == 200
    form = {"level": "critical", "text_format": "markdown", "text_en": "Recall of **Moka Pro**",
            "text_it": "Richiamo della **Moka Pro**", "text_fr": "", "dismissible": "", "starts_at": "", "ends_at": ""}
    preview = client.post_form("/admin/crisis", {**form, "preview": "1"})
    assert preview.status_code == 200 and "Richiamo della <strong>Moka Pro</strong>" in preview.get_data(as_text=True)
    assert site_notices.stored_banner() is None  # a preview saves nothing
    assert client.post_form("/admin/crisis", form).status_code == 302
    banner = site_notices.stored_banner()
    assert banner["level"] == "critical" and banner["dismissible"] is False
    assert 'role="alert"' in _home(client)
    missing = client.post_form("/admin/crisis", {**form, "text_en": ""})
    assert missing.status_code == 400  # the default language's text is required
    assert client.post_form("/admin/crisis/banner/end").status_code == 302
    assert "Moka Pro" not in _home(client)


def test_admin_time_is_the_admins_zone(app, client, admin):
    admin.timezone = "Europe/Rome"
    db.session.commit()
    client.login("ada")
    client.post_form("/admin/crisis", {"level": "info", "text_format": "plain", "text_en": "Later", "text_it": "",
                                       "text_fr": "", "starts_at": "2031-01-10T10:00", "ends_at": ""})
    assert site_notices.stored_banner()["starts_at"] == "2031-01-10T09:00:00+00:00"  # 10:00 in Rome is 09:00 UTC


# --- read-only mode ----------------------------------------------------------------------------------

def test_read_only_refuses_members_keeps_text_and_lets_staff_write(app, client, admin):
    topic = make_topic(make_user("mia"), title="The grinder makes noise")
    make_user("rob")
    make_user("mod", role="moderator")
    site_notices.set_read_only(admin, True, "Maintenance until 18:00.")
    client.login("rob")
    assert "Maintenance until 18:00." in _home(client)
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "My carefully written reply text."})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "read-only for maintenance" in page
    assert "My carefully written reply text." in page  # the text is kept in the form
    other = client.post_form("/u/mia/ignore")
    assert other.status_code == 503 and "read-only" in other.get_data(as_text=True)
    client.post_form("/logout")
    assert client.login("mod").status_code == 302  # signing in still works
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Staff can still answer here."}).status_code == 302
    site_notices.set_read_only(admin, False)
    client.post_form("/logout")
    client.login("rob")
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Back to normal, my reply."}).status_code == 302
    assert db.session.scalar(select(Post).where(Post.raw == "My carefully written reply text.")) is None
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"crisis.read_only_on", "crisis.read_only_off"} <= actions


def test_read_only_admin_switch(app, client, admin):
    client.login("ada")
    assert client.post_form("/admin/crisis/read-only", {"action": "on", "message": "Upgrading"}).status_code == 302
    assert site_notices.read_only()["message"] == "Upgrading"
    assert client.post_form("/admin/crisis/read-only", {"action": "off"}).status_code == 302
    assert site_notices.read_only() is None


def test_read_only_is_said_up_front_to_members_in_place_of_the_forms_not_to_staff(app, client, admin):
    category = make_category("Help", slug="help")
    topic = make_topic(make_user("mia"), category, title="The grinder makes noise")
    make_user("rob")
    make_user("mod", role="moderator")
    site_notices.set_read_only(admin, True)
    said = "The community is read-only for maintenance: you can read, and post again later."
    client.login("rob")
    for url in (f"/t/{topic.slug}/{topic.id}", "/new-topic"):
        page = client.get(url).get_data(as_text=True)
        assert said in page and 'name="body"' not in page, url
    client.post_form("/logout")
    client.login("mod")
    for url in (f"/t/{topic.slug}/{topic.id}", "/new-topic"):
        page = client.get(url).get_data(as_text=True)
        assert said not in page and 'name="body"' in page, url
