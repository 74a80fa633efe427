"""The community's mail settings (/admin/email): the away minutes and the summary's default."""

from __future__ import annotations

from sqlalchemy import select

from forum.audit import AuditLog
from forum.extensions import db
from forum.notifications import preferences
from forum.settings import get_setting
from tests.factories import make_user


def test_an_admin_sets_the_away_minutes_and_the_summarys_default(client):
    make_user("boss", role="admin")
    client.login("boss")
    page = client.get("/admin/email").get_data(as_text=True)
    assert 'value="10"' in page and '<option selected value="weekly">' in page
    response = client.post_form("/admin/email", {"away_minutes": "30", "digest_default": "daily"})
    assert response.status_code == 302
    db.session.expire_all()
    assert get_setting("notification_away_minutes") == 30 and preferences.away_minutes() == 30
    assert preferences.digest_frequency(make_user("newcomer")) == "daily"
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "settings.email")).one()
    assert entry.after == {"notification_away_minutes": 30, "digest_default": "daily"}
    assert entry.before == {"notification_away_minutes": 10, "digest_default": "weekly"}


def test_out_of_range_values_are_refused_with_the_form_kept(client):
    make_user("boss", role="admin")
    client.login("boss")
    response = client.post_form("/admin/email", {"away_minutes": "0", "digest_default": "daily"})
    assert response.status_code == 400
    assert "Between 1 minute and one day" in response.get_data(as_text=True)
    assert get_setting("notification_away_minutes") == 10


def test_members_may_not(client):
    make_user("mario")
    client.login("mario")
    assert client.post_form("/admin/email", {"away_minutes": "1", "digest_default": "never"}).status_code == 403
    assert get_setting("digest_default") == "weekly"
