"""Groups synchronised at each sign-in; connected accounts; logout at the provider too."""

from __future__ import annotations

import re
from html import unescape

import requests
from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.extensions import db
from forum.staff.models import StaffMembership
from tests.factories import make_staff, make_user
from tests.factories.staff import group_named
from tests.sso.helpers import complete, identity, local, query, sign_in, signed_in_as, user_by_email


def staff_groups_of(user: User) -> set[str]:
    rows = db.session.scalars(select(StaffMembership).where(StaffMembership.user_id == user.id))
    return {m.group.name for m in rows}


def test_groups_set_roles_and_staff_groups_at_each_sign_in(client, oidc):
    make_user("root", role="admin")  # eve is never the last administrator here
    veteran = make_staff("veteran", group="Veterans")  # creates an unmanaged group
    make_staff("helper", group="Support")
    make_staff("coder", group="Developers")
    veteran_group = group_named("Veterans")
    oidc.set_account("eve", groups=["forum-moderators", "support-team", "unmapped"])
    sign_in(client, oidc, "eve")
    assert complete(client).status_code == 302
    eve = user_by_email("eve@brand.example")
    assert eve.role == "moderator" and eve.is_staff_member
    assert staff_groups_of(eve) == {"Support"}

    # A group the member joined by hand, outside the mapping, is left alone.
    db.session.add(StaffMembership(user_id=eve.id, group_id=veteran_group.id, is_primary=False))
    db.session.commit()

    oidc.set_account("eve", groups=["dev-team", "forum-admins"])
    client.post_form("/logout")
    sign_in(client, oidc, "eve")
    db.session.refresh(eve)
    assert eve.role == "admin"
    assert staff_groups_of(eve) == {"Developers", "Veterans"}

    oidc.set_account("eve", groups=[])  # removed from every mapped group at the provider
    client.post_form("/logout")
    sign_in(client, oidc, "eve")
    db.session.refresh(eve)
    assert eve.role == "member"
    assert staff_groups_of(eve) == {"Veterans"} and eve.is_staff_member
    assert staff_groups_of(veteran) == {"Veterans"}

    roles = [(e.before["role"], e.after["role"]) for e in db.session.scalars(
        select(AuditLog).where(AuditLog.action == "sso.role_sync", AuditLog.target_id == eve.id)
        .order_by(AuditLog.id))]
    assert roles == [("member", "moderator"), ("moderator", "admin"), ("admin", "member")]
    changes = [(e.after["added"], e.after["removed"]) for e in db.session.scalars(
        select(AuditLog).where(AuditLog.action == "sso.staff_groups", AuditLog.target_id == eve.id)
        .order_by(AuditLog.id))]
    assert changes == [(["Support"], []), (["Developers"], ["Support"]), ([], ["Developers"])]


def test_a_missing_staff_group_is_not_created(client, oidc):
    oidc.set_account("gil", groups=["support-team"])  # "Support" does not exist in this test
    sign_in(client, oidc, "gil")
    complete(client)
    gil = user_by_email("gil@brand.example")
    assert staff_groups_of(gil) == set() and not gil.is_staff_member
    assert group_named("Support") is None


def test_a_provider_without_group_mapping_leaves_roles_alone(client, oidc):
    mod = make_user("modesto", role="moderator", email="modesto@brand.example")
    oidc.set_account("modesto", groups=[])
    sign_in(client, oidc, "modesto", provider="google")  # no group_roles configured
    db.session.refresh(mod)
    assert mod.role == "moderator"
    assert identity("google", "modesto").user_id == mod.id


def test_connect_and_disconnect_from_settings(client, oidc):
    hana = make_user("hana", email="hana@example.com", display_name="Hana")
    oidc.set_account("hana-at-brand", email="hana.work@brand.example", email_verified=False)
    client.login("hana")
    settings = client.get("/settings").get_data(as_text=True)
    assert "Connected accounts" in settings and "Connect Brand ID" in settings

    response = sign_in(client, oidc, "hana-at-brand", action="connect")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings")
    linked = identity("brand", "hana-at-brand")
    assert linked is not None and linked.user_id == hana.id  # proved both sides: no email needed
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "sso.link"))
    assert entry.actor_id == hana.id and entry.after["how"] == "settings"
    assert signed_in_as(client) == "Hana"

    # Another member cannot take the same provider account.
    other = app_client = client.application.test_client()
    make_user("ines")
    app_client.login("ines")
    refused = sign_in(other, oidc, "hana-at-brand", action="connect")
    assert refused.status_code == 403 and identity("brand", "hana-at-brand").user_id == hana.id

    page = client.get("/settings").get_data(as_text=True)
    action = re.search(r'action="(/sso/identities/\d+/disconnect)"', page)
    assert action
    # Asked first, like revoking an API key (forum.js reads data-confirm).
    form = re.search(r'<form[^>]*action="/sso/identities/\d+/disconnect"[^>]*>', page)
    assert 'data-confirm="Disconnect Brand ID? You will no longer sign in here with it."' in unescape(form.group(0))
    assert client.post_form(action.group(1)).status_code == 302
    assert identity("brand", "hana-at-brand") is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "sso.unlink")).actor_id == hana.id


def test_the_only_way_in_cannot_be_disconnected(client, oidc):
    oidc.set_account("ivo")
    sign_in(client, oidc, "ivo")
    complete(client)
    ivo = user_by_email("ivo@brand.example")
    linked = identity("brand", "ivo")
    page = client.get("/settings").get_data(as_text=True)
    assert "Choose a password first to disconnect it." in page and "cannot be disconnected" not in page
    response = client.post_form(f"/sso/identities/{linked.id}/disconnect", follow_redirects=True)
    assert "This is your only way to sign in" in response.get_data(as_text=True)
    assert identity("brand", "ivo") is not None and ivo.password_hash.startswith("!")
    # No password matches the account's unusable hash.
    client.post_form("/logout")
    assert client.post_form("/login", {"login": "ivo", "password": ivo.password_hash}).status_code == 400


def test_someone_elses_identity_cannot_be_disconnected(client, oidc):
    oidc.set_account("jonas")
    sign_in(client, oidc, "jonas")
    complete(client)
    linked = identity("brand", "jonas")
    client.post_form("/logout")
    make_user("kim")
    client.login("kim")
    assert client.post_form(f"/sso/identities/{linked.id}/disconnect").status_code == 404
    assert identity("brand", "jonas") is not None


def test_logout_offers_the_providers_sign_out(client, oidc):
    oidc.set_account("lea")
    browser = requests.Session()  # the provider's cookies: the member's sign-in there
    sign_in(client, oidc, "lea", browser=browser)
    complete(client)
    response = client.post_form("/logout")
    # POST-redirect-GET: the signed-out page can be reloaded without posting the logout again.
    assert response.status_code == 302 and response.headers["Location"].endswith("/sso/signed-out")
    page = client.get("/sso/signed-out").get_data(as_text=True)
    reloaded = client.get("/sso/signed-out")
    assert reloaded.status_code == 200 and reloaded.get_data(as_text=True) == page
    assert "You are signed out" in page
    assert signed_in_as(client) is None  # the forum session ended before anything else
    link = re.search(r'href="([^"]*/session/end[^"]*)"', page)
    assert link
    end_session = unescape(link.group(1))
    params = query(end_session)
    assert end_session.startswith(f"{oidc.issuer}/session/end?")
    assert params["post_logout_redirect_uri"] == "http://forum.test/sso/brand/signed-out"
    assert params["id_token_hint"].count(".") == 2 and params["client_id"] == "circolo"

    back = oidc.end_session(end_session, browser)
    assert back.startswith("http://forum.test/sso/brand/signed-out?") and "state=" in back
    returned = client.get(local(back))
    assert returned.status_code == 302 and "state" not in returned.headers["Location"]
    home = client.get(returned.headers["Location"]).get_data(as_text=True)
    assert "You are signed out of Brand ID too." in home
    # Signed out at the provider: the next sign-in asks for the login again.
    again = browser.get(f"{oidc.issuer}/auth?client_id=circolo&response_type=code&scope=openid"
                        "&redirect_uri=http://forum.test/sso/brand/callback&code_challenge=" + "a" * 43
                        + "&code_challenge_method=S256", allow_redirects=True, timeout=10)
    assert 'name="login"' in again.text


def test_a_return_from_the_providers_sign_out_that_we_did_not_send_says_nothing(client, oidc):
    response = client.get("/sso/brand/signed-out?state=made-up")
    assert response.status_code == 302 and "state" not in response.headers["Location"]
    assert "signed out of Brand ID" not in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/sso/signed-out").status_code == 302  # nothing to offer: home


def test_logout_without_provider_sign_out_is_a_plain_redirect(client, oidc):
    make_user("max", email="max@brand.example")
    oidc.set_account("max")
    sign_in(client, oidc, "max", provider="google")  # logout: "off"
    assert signed_in_as(client) == "Max"
    response = client.post_form("/logout")
    assert response.status_code == 302 and signed_in_as(client) is None


def test_group_sync_never_demotes_the_last_administrator(client, oidc):
    root = make_user("root", role="admin", email="root@brand.example", display_name="Root")
    oidc.set_account("root", groups=["support-team"])  # no role group: "member" at the provider
    sign_in(client, oidc, "root")
    assert signed_in_as(client) == "Root"
    db.session.refresh(root)
    assert root.role == "admin"  # the break-glass login is still there
    kept = db.session.scalar(select(AuditLog).where(AuditLog.action == "sso.role_sync_kept"))
    assert kept.target_id == root.id and kept.after["wanted"] == "member"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "sso.role_sync")) is None

    make_user("second", role="admin")  # another administrator: now the provider may demote
    client.post_form("/logout")
    sign_in(client, oidc, "root")
    db.session.refresh(root)
    assert root.role == "member"
