"""Signing in with a real OpenID Connect provider: the flow, and everything it must refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.accounts.models import CodeOfConductAcceptance, User
from forum.audit import AuditLog
from forum.extensions import db
from forum.sso import providers
from forum.sso.models import ExternalIdentity
from tests.factories import make_user
from tests.sso.helpers import (
    callback_url,
    complete,
    identity,
    local,
    query,
    sign_in,
    signed_in_as,
    start,
    user_by_email,
)


def test_the_authorization_request_carries_pkce_state_and_nonce(client, oidc):
    url = start(client)
    params = query(url)
    assert url.startswith(f"{oidc.issuer}/auth?")
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert params["redirect_uri"] == "http://forum.test/sso/brand/callback"
    assert params["scope"] == "openid email profile groups"
    assert params["ui_locales"] == "en"


def test_starting_a_sign_in_is_a_post_with_the_csrf_token(client, oidc):
    assert client.get("/sso/brand/start").status_code == 405
    assert client.post("/sso/brand/start", data={}).status_code == 400
    assert client.post_form("/sso/nowhere/start").status_code == 404


def test_a_new_person_signs_in_and_completes_the_account(client, oidc, outbox):
    oidc.set_account("alice", name="Alice Liddell", locale="it-IT")
    response = sign_in(client, oidc, "alice", next_url="/latest")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sso/brand/complete")
    assert signed_in_as(client) is None  # nothing is written before the code of conduct
    assert user_by_email("alice@brand.example") is None

    page = client.get("/sso/brand/complete").get_data(as_text=True)
    assert 'value="alice"' in page and "Alice Liddell" in page and "alice@brand.example" in page

    refused = complete(client, accept_coc=None, username="alice")
    assert refused.status_code == 400
    assert "You need to accept the code of conduct to join." in refused.get_data(as_text=True)
    bad_name = complete(client, username="a!")
    assert bad_name.status_code == 400 and 'value="a!"' in bad_name.get_data(as_text=True)  # text kept

    done = complete(client, username="alice_l")
    assert done.status_code == 302 and done.headers["Location"].endswith("/latest")
    user = user_by_email("alice@brand.example")
    assert user is not None and user.username == "alice_l" and user.display_name == "Alice Liddell"
    assert user.is_verified and user.locale == "it"  # the provider vouched: no confirmation mail
    assert outbox == []
    assert user.accepted_coc_version > 0
    assert db.session.scalar(select(func.count()).select_from(CodeOfConductAcceptance)
                             .where(CodeOfConductAcceptance.user_id == user.id)) == 1
    found = identity("brand", "alice")
    assert found is not None and found.user_id == user.id and found.email == "alice@brand.example"
    assert signed_in_as(client) == "Alice Liddell"
    assert not client.get("/sso/brand/complete").headers.get("Location", "").endswith("complete")

    # Next time the identity signs straight in.
    client.post_form("/logout")
    assert signed_in_as(client) is None
    again = sign_in(client, oidc, "alice")
    assert again.status_code == 302 and not again.headers["Location"].endswith("complete")
    assert signed_in_as(client) == "Alice Liddell"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_the_complete_page_uses_registrations_rules(client, oidc):
    make_user("taken")
    oidc.set_account("taken", email="someone-else@brand.example")  # a username already used here
    sign_in(client, oidc, "taken")
    page = client.get("/sso/brand/complete").get_data(as_text=True)
    assert 'value="taken"' not in page and 'value="taken2"' in page  # suggested, free, editable
    response = complete(client, username="taken")
    assert response.status_code == 400
    assert "This username is taken" in response.get_data(as_text=True)
    assert complete(client, username="admin").status_code == 400  # reserved, as in registration
    assert user_by_email("someone-else@brand.example") is None


def test_an_unverified_email_gets_our_verification_mail(client, oidc, outbox):
    oidc.set_account("bob", email_verified=False)
    sign_in(client, oidc, "bob")
    assert "we will send you a link to confirm it" in client.get("/sso/brand/complete").get_data(as_text=True)
    assert complete(client).status_code == 302
    user = user_by_email("bob@brand.example")
    assert user is not None and not user.is_verified
    assert [m.to for m in outbox] == ["bob@brand.example"]
    assert "/verify/" in outbox[0].body


def refusal_logged(caplog) -> str:
    return " ".join(r.getMessage() for r in caplog.records if r.name == "forum.sso.views")


def test_a_tampered_id_token_is_refused(client, oidc, caplog):
    oidc.set_account("mallory")
    oidc.set_mode(tamper_id_token=True)
    response = sign_in(client, oidc, "mallory")
    assert response.status_code == 400
    assert "could not be checked" in response.get_data(as_text=True)
    assert "BadSignatureError" in refusal_logged(caplog)
    assert client.get("/sso/brand/complete").status_code == 302  # nothing pending
    assert identity("brand", "mallory") is None and signed_in_as(client) is None


def test_a_wrong_nonce_is_refused(client, oidc, caplog):
    oidc.set_account("mallory")
    back = callback_url(client, oidc, "mallory")
    state = query(back)["state"]
    with client.session_transaction() as session:
        entry = session[f"_state_brand_{state}"]
        entry["data"]["nonce"] = "not-the-nonce-we-sent"
        session[f"_state_brand_{state}"] = entry
    response = client.get(local(back))
    assert response.status_code == 400
    assert "nonce" in refusal_logged(caplog)
    assert client.get("/sso/brand/complete").status_code == 302 and signed_in_as(client) is None


def test_a_state_that_does_not_match_is_refused(client, oidc, app, caplog):
    oidc.set_account("mallory")
    back = callback_url(client, oidc, "mallory")
    forged = back.replace(f"state={query(back)['state']}", "state=forged-state-value")
    assert client.get(local(forged)).status_code == 400
    assert "MismatchingStateError" in refusal_logged(caplog)
    # A code and state from another browser's sign-in (login CSRF) are refused too.
    other = app.test_client()
    assert other.get(local(callback_url(client, oidc, "mallory"))).status_code == 400
    assert client.get("/sso/brand/complete").status_code == 302 and signed_in_as(client) is None


def test_the_providers_error_is_refused(client, oidc):
    url = start(client)
    state = query(url)["state"]
    response = client.get(f"/sso/brand/callback?error=access_denied&state={state}")
    assert response.status_code == 400 and signed_in_as(client) is None
    page = response.get_data(as_text=True)
    assert "You cancelled signing in with Brand ID." in page and "could not be checked" not in page
    state = query(start(client))["state"]
    other = client.get(f"/sso/brand/callback?error=temporarily_unavailable&state={state}").get_data(as_text=True)
    assert "Brand ID did not sign you in." in other and "cancelled" not in other


def test_back_to_the_complete_page_once_signed_in_goes_home_quietly(client, oidc):
    oidc.set_account("hal")
    sign_in(client, oidc, "hal")
    assert complete(client).status_code == 302
    back = client.get("/sso/brand/complete")
    assert back.status_code == 302 and back.headers["Location"] == "/"
    assert "sign in with Brand ID again" not in client.get("/").get_data(as_text=True)


def test_an_unverified_email_colliding_with_an_account_is_not_linked(client, oidc):
    carol = make_user("carol", email="carol@brand.example")
    oidc.set_account("carol", email_verified=False)
    response = sign_in(client, oidc, "carol")
    assert response.status_code == 403
    assert "does not confirm the address belongs to you" in response.get_data(as_text=True)
    assert identity("brand", "carol") is None and signed_in_as(client) is None
    assert db.session.get(User, carol.id).email == "carol@brand.example"


def test_an_address_unverified_here_is_not_linked_either(client, oidc):
    make_user("dora", email="dora@brand.example", verified=False)
    oidc.set_account("dora")  # the provider vouches, but nobody proved the address here
    assert sign_in(client, oidc, "dora").status_code == 403
    assert identity("brand", "dora") is None


def test_a_verified_email_on_both_sides_links_the_account(client, oidc):
    dave = make_user("dave", email="Dave@Brand.example", display_name="Dave")
    oidc.set_account("dave", email="dave@brand.example")
    response = sign_in(client, oidc, "dave")
    assert response.status_code == 302 and not response.headers["Location"].endswith("complete")
    linked = identity("brand", "dave")
    assert linked is not None and linked.user_id == dave.id
    assert "Your Brand ID account is now connected to your account here (same verified email)." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert signed_in_as(client) == "Dave"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "sso.link"))
    assert entry.target_id == dave.id and entry.after["how"] == "verified_email"


def test_an_address_that_only_casefolds_the_same_is_not_linked(client, oidc):
    jess = make_user("jess", email="jess@brand.example")
    oidc.set_account("jess2", email="je\u017f\u017f@brand.example")  # long s, verified at the provider
    response = sign_in(client, oidc, "jess2")
    assert response.status_code == 403 and signed_in_as(client) is None
    assert identity("brand", "jess2") is None
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)
                             .where(ExternalIdentity.user_id == jess.id)) == 0


def test_a_display_name_or_username_never_links(client, oidc):
    erin = make_user("erin", display_name="Erin Example")
    oidc.set_account("erin", email="erin.other@brand.example", name="Erin Example", preferred_username="erin")
    response = sign_in(client, oidc, "erin")
    assert response.headers["Location"].endswith("/sso/brand/complete")
    assert identity("brand", "erin") is None
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)
                             .where(ExternalIdentity.user_id == erin.id)) == 0


@pytest.mark.parametrize("claim", [{"email_verified": "true"}, {"email_verified": "false"}])
def test_email_verified_as_a_string(client, oidc, claim):
    make_user("fred", email="fred@brand.example")
    oidc.set_account("fred", **claim)
    linked = sign_in(client, oidc, "fred").status_code == 302
    assert linked is (claim["email_verified"] == "true")


def test_the_sign_in_page_lets_its_form_lead_to_the_provider(client, oidc):
    """The button is a form whose redirect goes to the provider: CSP form-action must list it."""
    response = client.get("/login?next=/latest")
    policy = response.headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.issuer}" in policy
    page = response.get_data(as_text=True)
    assert 'action="/sso/brand/start"' in page and 'action="/sso/google/start"' in page
    assert 'name="next" value="/latest"' in page


def test_an_issuer_that_discovery_contradicts_is_not_used(app, client, oidc):
    real = providers.get("brand")
    fake = providers.Provider(**{**real.__dict__, "issuer": real.issuer.replace("127.0.0.1", "localhost")})
    app.extensions["forum.sso.providers"]["brand"] = fake
    try:
        response = client.post_form("/sso/brand/start")
    finally:
        app.extensions["forum.sso.providers"]["brand"] = real
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)


def test_the_pkce_verifier_is_what_the_provider_checks(client, oidc, caplog):
    """Without the verifier kept in our session the provider refuses the code: PKCE is real."""
    oidc.set_account("mallory")
    back = callback_url(client, oidc, "mallory")
    state = query(back)["state"]
    with client.session_transaction() as session:
        entry = session[f"_state_brand_{state}"]
        entry["data"]["code_verifier"] = "x" * 64
        session[f"_state_brand_{state}"] = entry
    assert client.get(local(back)).status_code == 400
    assert "invalid_grant" in refusal_logged(caplog)
    assert identity("brand", "mallory") is None and signed_in_as(client) is None


def test_a_callback_naming_another_issuer_is_refused(client, oidc):
    """RFC 9207: the authorization response's iss must be our provider's (mix-up attacks)."""
    oidc.set_account("mallory")
    back = callback_url(client, oidc, "mallory")
    assert query(back)["iss"] == oidc.issuer
    forged = back.replace("iss=", "iss=https%3A%2F%2Fevil.example&was=")
    assert client.get(local(forged)).status_code == 400
    assert signed_in_as(client) is None


def test_the_join_page_offers_the_providers_too(client, oidc):
    page = client.get("/register").get_data(as_text=True)
    assert 'action="/sso/brand/start"' in page and 'name="password"' in page  # both ways to join
    assert "Join with Brand ID" in page and "Sign in with Brand ID" not in page
    assert page.index("Join with Brand ID") < page.index('role="separator">or<') < page.index('name="password"')
    login = client.get("/login").get_data(as_text=True)
    assert login.index("Sign in with Brand ID") < login.index('role="separator">or<') < login.index('name="password"')


def test_french_gets_its_space_before_a_colon_on_the_complete_page(client, oidc):
    oidc.set_account("zoe")
    sign_in(client, oidc, "zoe")
    client.set_cookie("locale", "fr", domain="forum.test")
    page = client.get("/sso/brand/complete").get_data(as_text=True)
    assert "E-mail\u00a0: <strong>zoe@brand.example</strong>" in page
