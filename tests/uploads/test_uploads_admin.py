"""Admin -> Uploads: the settings, validated and audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.audit.models import AuditLog
from forum.extensions import db
from forum.settings import get_setting
from tests.factories import make_user

FORM = {"enabled": "y", "max_file_mb": "5", "max_file_mb_staff": "20", "files_per_post": "4", "daily_mb": "50",
        "daily_mb_new": "10", "files_per_hour": "30", "new_member_posts": "3", "new_member_days": "1",
        "image_max_side": "1600", "attachment_extensions": "pdf, .TXT csv", "orphan_grace_hours": "24"}


def save(client: Any, **changes: str) -> Any:
    return client.post_form("/admin/uploads", {**FORM, **changes})


def test_an_admin_sets_the_limits_and_it_is_audited(client):
    make_user("boss", role="admin")
    client.login("boss")
    page = client.get("/admin/uploads").get_data(as_text=True)
    assert "Files are stored in: local:" in page
    response = save(client, gravatar="y")
    assert response.status_code == 302
    assert get_setting("uploads_max_file_mb") == 5
    assert get_setting("uploads_attachment_extensions") == ["pdf", "txt", "csv"]
    assert get_setting("uploads_gravatar") is True
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "settings.uploads"))
    assert entry is not None and entry.after["max_file_mb"] == 5
    assert "Changed the upload settings" in client.get("/moderation/audit").get_data(as_text=True)


def test_types_a_browser_would_run_are_refused_and_the_form_kept(client):
    make_user("boss", role="admin")
    client.login("boss")
    response = save(client, attachment_extensions="pdf html svg")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "These types are never accepted" in page and "html, svg" in page
    assert "pdf html svg" in page
    assert get_setting("uploads_attachment_extensions") == ["pdf", "txt", "csv", "zip"]
