"""The decision rules and the configuration checks, on their own."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from forum import create_app
from forum.sso.permissions import can_disconnect
from forum.sso.providers import ProviderConfigError, parse_providers
from forum.sso.services import Decision, ProviderClaims, decide, map_claims, wanted_role


def claims(verified: bool = True, **extra: Any) -> ProviderClaims:
    values: dict[str, Any] = {"subject": "s", "email": "a@b.example", "email_verified": verified, "name": "A",
                              "username": "a", "locale": None, "groups": ()}
    return ProviderClaims(**{**values, **extra})


def member(verified: bool, email: str = "a@b.example") -> Any:
    return SimpleNamespace(is_verified=verified, email=email)


@pytest.mark.parametrize(("identity", "owner", "provider_verified", "link", "expected"), [
    (member(True), None, True, True, Decision.SIGN_IN),
    (member(True), member(True), False, True, Decision.SIGN_IN),   # the identity decides, not the email
    (None, None, True, True, Decision.NEW),
    (None, member(True), True, True, Decision.LINK),
    (None, member(True), False, True, Decision.COLLISION),        # provider does not vouch
    (None, member(False), True, True, Decision.COLLISION),        # nobody proved it here
    (None, member(True), True, False, Decision.COLLISION),        # linking by email switched off
    (None, member(True, "A@B.Example"), True, True, Decision.LINK),  # ASCII case does not matter
])
def test_decide(identity, owner, provider_verified, link, expected):
    assert decide(identity_user=identity, email_owner=owner, claims=claims(provider_verified),
                  link_by_verified_email=link) == expected


@pytest.mark.parametrize(("stored", "claimed"), [
    ("jess@brand.example", "je\u017f\u017f@brand.example"),  # long s: casefolds to "ss"
    ("strasse@brand.example", "stra\u00dfe@brand.example"),   # sharp s
    ("kelvin@brand.example", "\u212aelvin@brand.example"),   # Kelvin sign: lower-cases to "k"
    ("j\u00e9r\u00f4me@brand.example", "j\u00e9r\u00f4me@brand.example"),  # not ASCII: never automatically
])
def test_only_an_exact_ascii_address_links_automatically(stored, claimed):
    assert decide(identity_user=None, email_owner=member(True, stored), claims=claims(email=claimed),
                  link_by_verified_email=True) == Decision.COLLISION


def brand(**extra: Any) -> dict[str, Any]:
    return {"id": "brand", "issuer": "https://id.brand.example", "client_id": "c", "client_secret": "s", **extra}


def test_claims_mapping_with_dotted_paths_and_string_booleans():
    provider = parse_providers([brand(claims={"groups": "realm_access.roles", "username": "nickname"},
                                      group_roles={"mods": "moderator"})])["brand"]
    mapped = map_claims(provider, {"sub": "42", "email": "x@y.example", "email_verified": "true",
                                   "nickname": "xy", "locale": "fr_CA",
                                   "realm_access": {"roles": ["mods", "mods", " other "]}}, ("en", "it", "fr"))
    assert mapped == ProviderClaims(subject="42", email="x@y.example", email_verified=True, name="",
                                    username="xy", locale="fr", groups=("mods", "other"))
    assert wanted_role(provider, mapped.groups) == "moderator"
    assert wanted_role(provider, ("other",)) == "member"
    no_email = map_claims(provider, {"sub": "1", "email": "not an address", "email_verified": True}, ("en",))
    assert no_email.email is None and not no_email.email_verified


@pytest.mark.parametrize(("raw", "message"), [
    ("{not json", "not valid JSON"),
    ([brand(id="Bad Id")], '"id" must be'),
    ([brand(issuer="http://id.brand.example")], "must use https://"),
    ([brand(client_secret="")], '"client_secret" must be a non-empty string'),
    ([brand(scopes="email profile")], "must include openid"),
    ([brand(group_roles={"x": "owner"})], "not owner"),
    ([brand(claims={"colour": "c"})], "not colour"),
    ([brand(logout="sometimes")], '"logout" must be one of'),
    ([brand(csp_form_action=["http://login.example.com"])], '"csp_form_action" must be a list of origins'),
    ([brand(csp_form_action=["https://login.example.com/path"])], '"csp_form_action" must be a list'),
    ([brand(secret="typo")], "unknown key(s) secret"),
    ([brand(), brand()], "configured twice"),
])
def test_configuration_errors_say_what_is_wrong(raw, message):
    with pytest.raises(ProviderConfigError) as exc:
        parse_providers(raw)
    assert message in str(exc.value)


def test_loopback_http_is_allowed_for_tests_and_json_text_is_read():
    providers = parse_providers('[{"id": "t", "issuer": "http://127.0.0.1:9/", "client_id": "c", '
                                '"client_secret": "s"}]')
    assert providers["t"].issuer == "http://127.0.0.1:9" and providers["t"].label == "t"


def test_sso_only_needs_a_provider():
    with pytest.raises(ProviderConfigError, match="FORUM_SSO_ONLY"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SSO_ONLY": True, "OIDC_PROVIDERS": []})


@pytest.mark.parametrize(("others", "has_password", "allowed", "expected"), [
    (0, True, True, True),     # a password they may use
    (0, True, False, False),   # SSO-only: the password would not sign them in
    (0, False, True, False),   # no password at all
    (1, False, False, True),   # another connected account
])
def test_disconnecting_never_removes_the_last_way_in(others, has_password, allowed, expected):
    me, identity = SimpleNamespace(id=1), SimpleNamespace(user_id=1)
    assert can_disconnect(me, identity, other_identities=others, has_password=has_password,
                          password_allowed=allowed) is expected
    assert not can_disconnect(SimpleNamespace(id=2), identity, other_identities=1, has_password=True,
                              password_allowed=True)
