"""Key management pages: a member's own keys in their settings, Admin -> API keys; the secret
shown once, revoking with CSRF, the audit log."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.api import keys
from forum.api.models import ApiKey
from forum.audit.models import AuditLog
from forum.extensions import db
from tests.api.conftest import bearer
from tests.factories import make_user

SECRET_RE = re.compile(r"data-new-key[^>]*>(circolo_[a-z0-9]{12}_[A-Za-z0-9_-]{43})<")


def test_a_member_makes_a_key_sees_it_once_uses_it_and_revokes_it(client):
    member = make_user("maker")
    client.login("maker")
    assert "/settings/api-keys" in client.get("/settings").get_data(as_text=True)
    page = client.post_form("/settings/api-keys", {"name": "My backup script", "scopes": ["read"]})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(page.get_data(as_text=True)).group(1)
    listing = client.get("/settings/api-keys").get_data(as_text=True)
    assert "My backup script" in listing and secret not in listing
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["scopes"] == ["read"]

    key = db.session.scalar(select(ApiKey).where(ApiKey.user_id == member.id))
    assert client.post(f"/api-keys/{key.id}/revoke").status_code == 400  # no CSRF token
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    client.post_form(f"/api-keys/{key.id}/revoke")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "api_key")))
    assert actions == ["api_key.create", "api_key.revoke"]


def test_a_member_cannot_give_a_key_moderation_or_revoke_someone_elses(client):
    make_user("sneaky", role="moderator")
    victim = make_user("victim")
    client.login("sneaky")
    page = client.post_form("/settings/api-keys", {"name": "Too much", "scopes": ["read", "moderation"]})
    assert page.status_code == 400 and not SECRET_RE.search(page.get_data(as_text=True))
    page = client.post_form("/settings/api-keys", {"name": "", "scopes": ["read"]})
    assert page.status_code == 400
    other = keys.create_user_key(victim, "victim's key", ["read"]).key
    assert client.post_form(f"/api-keys/{other.id}/revoke").status_code == 404
    assert db.session.get(ApiKey, other.id).revoked_at is None


def test_an_admin_makes_an_integration_key_acting_as_a_bot(client):
    make_user("root", role="admin")
    make_user("helpdesk-bot")
    client.login("root")
    assert "/admin/api-keys" in client.get("/admin/").get_data(as_text=True)
    page = client.post_form("/admin/api-keys", {"name": "Help desk", "scopes": ["read", "write", "moderation"],
                                                "acts_as": "helpdesk-bot"})
    secret = SECRET_RE.search(page.get_data(as_text=True)).group(1)
    body = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert body["user"]["username"] == "helpdesk-bot" and body["scopes"] == ["read", "write"]
    # The list says which scopes the key was given but cannot use (the bot is no moderator).
    row = client.get("/admin/api-keys").get_data(as_text=True).split("Help desk")[1].split("</li>")[0]
    assert "<s>moderation</s>" in row
    assert "Struck through (moderation): beyond what this member may do, the key cannot use it." in row
    page = client.post_form("/admin/api-keys", {"name": "Nobody", "scopes": ["read"], "acts_as": "ghost"})
    assert page.status_code == 400 and "No member has this username." in page.get_data(as_text=True)


def test_only_admins_reach_admin_keys(client):
    make_user("mere-mod", role="moderator")
    client.login("mere-mod")
    assert client.get("/admin/api-keys").status_code == 403


def test_the_new_key_wraps_has_a_copy_button_and_says_which_key_it_is(client):
    make_user("phone-user")
    client.login("phone-user")
    html = client.post_form("/settings/api-keys", {"name": "Shortcuts", "scopes": ["read"]}).get_data(as_text=True)
    assert "Your new key “Shortcuts”" in html
    assert 'id="new-key-secret"' in html and "overflow-wrap:anywhere" in html
    # The button is hidden until the script shows it: without script the text is selected by hand.
    assert 'data-copy="new-key-secret"' in html and "hidden>Copy</button>" in html
    script = re.search(r'<script src="([^"]+copy\.js)"', html).group(1)
    assert client.get(script).status_code == 200
    assert "(OpenAPI JSON, for developers)" in html
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "Shortcuts"))
    revoked = client.post_form(f"/api-keys/{key.id}/revoke", follow_redirects=True).get_data(as_text=True)
    assert "programs using it can no longer use it" in revoked


def test_scopes_are_named_in_the_readers_language(client):
    member = make_user("lettore", locale="it")
    keys.create_user_key(member, "Copie", ["read", "write"])
    client.login("lettore")
    row = client.get("/settings/api-keys").get_data(as_text=True).split("Copie")[1].split("</li>")[0]
    assert "lettura, scrittura" in row and "read, write" not in row
