"""SSO-only mode: members sign in at the provider; administrators keep a break-glass password."""

from __future__ import annotations

import re
from typing import Any

import pytest

from forum.accounts import external, services
from forum.extensions import db
from tests.factories import make_user
from tests.sso.helpers import complete, sign_in, signed_in_as, user_by_email

FORM_ERROR = re.compile(r'<div class="form-errors" role="alert">(.*?)</div>', re.S)


@pytest.fixture
def app_config(sso_providers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"OIDC_PROVIDERS": sso_providers, "SSO_ONLY": True}


def test_members_cannot_use_passwords(client):
    make_user("nina", display_name="Nina")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Brand ID" in page and "Administrators: sign in with a password" in page
    response = client.login("nina")  # the right password
    assert response.status_code == 400
    assert "Sign in with your organisation" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_wrong_password_reads_the_same_for_admins_members_and_strangers(client, monkeypatch):
    make_user("root", role="admin")
    make_user("nina")
    sso_member = make_user("sso-only")
    sso_member.password_hash = external.unusable_password()  # made by signing in at the provider
    db.session.commit()
    checked: list[str] = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda pwhash, password: checked.append(pwhash) or real_check(pwhash, password))
    answers = {}
    for login in ("root", "nina", "sso-only", "nobody-here"):
        response = client.login(login, "not the password at all")
        answers[login] = (response.status_code, tuple(FORM_ERROR.findall(response.get_data(as_text=True))))
    assert answers["root"] == (400, ("<p>Wrong username/email or password.</p>",))
    assert set(answers.values()) == {answers["root"]}, answers
    # Every attempt paid for one real hash (an unusable hash would answer at once).
    assert len(checked) == 4 and all(h.count("$") >= 2 for h in checked)
    assert signed_in_as(client) is None


def test_administrators_keep_the_break_glass_sign_in(client):
    make_user("root", role="admin", display_name="Root")
    assert client.login("root").status_code == 302
    assert signed_in_as(client) == "Root"


def test_registration_is_closed(client):
    page = client.get("/register")
    assert page.status_code == 200 and "Sign in with Brand ID" in page.get_data(as_text=True)
    assert 'name="password"' not in page.get_data(as_text=True)
    response = client.post_form("/register", {"username": "newbie", "email": "newbie@example.com",
                                              "password": "a long enough pass phrase", "accept_coc": "y"})
    assert response.status_code == 403 and user_by_email("newbie@example.com") is None


def test_a_password_reset_does_not_sign_a_member_in(client):
    member = make_user("olga")
    token = services.make_token(member, "reset")
    response = client.post_form(f"/password/reset/{token}", {"password": "brand new pass phrase 42",
                                                            "confirm": "brand new pass phrase 42"})
    assert response.status_code == 403 and signed_in_as(client) is None


def test_members_still_sign_in_with_the_provider(client, oidc):
    oidc.set_account("pia")
    sign_in(client, oidc, "pia")
    assert complete(client).status_code == 302
    assert signed_in_as(client) == "Pia"


def test_a_collision_tells_the_member_whom_to_ask(client, oidc):
    make_user("ugo", email="ugo@brand.example")
    oidc.set_account("ugo", email_verified=False)
    response = sign_in(client, oidc, "ugo")
    assert response.status_code == 403
    assert "Please contact the community" in response.get_data(as_text=True)
