"""The account side of provider sign-ins: suspended members, no email claim, settings, audit."""

from __future__ import annotations

from datetime import timedelta

from forum.db_types import utcnow
from forum.extensions import db
from tests.factories import make_user
from tests.sso.helpers import complete, identity, sign_in, signed_in_as, user_by_email


def test_a_suspended_member_is_not_signed_in(client, oidc):
    quinn = make_user("quinn", email="quinn@brand.example")
    oidc.set_account("quinn")
    assert sign_in(client, oidc, "quinn").status_code == 302  # linked and signed in
    client.post_form("/logout")
    quinn.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    response = sign_in(client, oidc, "quinn")
    assert response.status_code == 403 and "This account is suspended until" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_provider_that_gives_no_email_asks_for_one_and_confirms_it(client, oidc, outbox):
    oidc.set_account("rita", email=None, email_verified=None)
    sign_in(client, oidc, "rita")
    page = client.get("/sso/brand/complete").get_data(as_text=True)
    assert 'name="email"' in page
    make_user("taken_rita", email="rita@example.com")
    refused = complete(client, email="rita@example.com")
    assert refused.status_code == 400 and "This email is already registered." in refused.get_data(as_text=True)
    assert complete(client, email="rita@elsewhere.example").status_code == 302
    rita = user_by_email("rita@elsewhere.example")
    assert rita is not None and not rita.is_verified
    assert [m.to for m in outbox] == ["rita@elsewhere.example"]
    assert identity("brand", "rita").email is None


def test_settings_tell_a_member_without_a_password_how_to_get_one(client, oidc):
    oidc.set_account("sara")
    sign_in(client, oidc, "sara")
    complete(client)
    page = client.get("/settings").get_data(as_text=True)
    assert "Your account has no password" in page and 'name="pw-current_password"' not in page
    assert "<h2>Choose a password</h2>" in page and "Change password" not in page
    assert "Forgot your password?" not in page
    assert 'href="/password/reset?choose=1">Choose a password</a>' in page
    choose = client.get("/password/reset?choose=1").get_data(as_text=True)
    assert "<h1>Choose a password</h1>" in choose and "Reset your password" not in choose
    assert "Connected accounts" in page and "Brand ID" in page and "Connect Google" in page


def test_links_and_group_changes_read_well_in_the_audit_log(client, oidc):
    make_user("boss", role="admin", email="boss@example.com")
    oidc.set_account("tina", groups=["forum-moderators"])
    sign_in(client, oidc, "tina")
    complete(client)
    client.post_form("/logout")
    client.login("boss")
    tina = user_by_email("tina@brand.example")
    html = client.get(f"/moderation/audit?target_type=user&target_id={tina.id}").get_data(as_text=True)
    assert "Connected a sign-in provider account" in html
    assert "Role set from the sign-in provider&#39;s groups" in html
