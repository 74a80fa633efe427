"""Joining: the code of conduct, username and email rules, passwords, no enumeration."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.accounts import services
from forum.accounts.models import CodeOfConductAcceptance, User
from forum.db_types import utcnow
from forum.extensions import db
from tests.accounts.helpers import (
    FAST_HASH,
    STRONG_PASSWORD,
    is_logged_in,
    normalise,
    register,
    register_data,
    text,
    user,
)
from tests.factories import make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_register_page_shows_the_rendered_code_of_conduct_and_the_versioned_box(client):
    page = text(client.get("/register"))
    assert "<h1>Our code of conduct</h1>" in page  # rendered Markdown, not the source
    assert "**Be respectful.**" not in page and "<strong>Be respectful.</strong>" in page
    assert "I have read and accept the code of conduct (version 1)" in page
    assert 'name="coc_version" type="hidden" value="1"' in page


def test_register_stores_the_acceptance_and_mails_a_link(client, outbox):
    before = utcnow()
    response = register(client)
    assert response.status_code == 200
    assert "Check your email" in text(response)
    member = user("giulia")
    assert member is not None
    assert member.email == "giulia@example.org" and member.display_name == "Giulia Rossi"
    assert member.accepted_coc_version == 1
    assert member.email_verified_at is None
    acceptance = db.session.scalar(select(CodeOfConductAcceptance).where(CodeOfConductAcceptance.user_id == member.id))
    assert acceptance is not None and acceptance.coc_version == 1
    assert before - timedelta(seconds=1) <= acceptance.accepted_at <= utcnow()
    assert [m.to for m in outbox] == ["giulia@example.org"]
    assert "/verify/" in outbox[0].body
    # The password is stored hashed, never as typed.
    assert STRONG_PASSWORD not in member.password_hash


def test_register_does_not_sign_in(client):
    # Signing in here would make a taken address (no sign-in) distinguishable from a free one.
    register(client)
    assert not is_logged_in(client)


def test_register_without_ticking_the_box_keeps_the_fields_but_not_the_password(client):
    response = register(client, accept_coc=None)
    page = text(response)
    assert response.status_code == 400
    assert "You need to accept the code of conduct to join." in page
    assert 'value="giulia"' in page and 'value="Giulia Rossi"' in page and 'value="giulia@example.org"' in page
    assert STRONG_PASSWORD not in page
    assert 'aria-invalid="true"' in page
    assert user("giulia") is None


def test_register_with_a_stale_code_of_conduct_version_is_refused(client, app):
    admin = make_user("boss", role="admin")
    services.publish_coc(admin, "# Rules, version two\n\nBe kind and stay on topic.", "Stay on topic.")
    response = register(client, coc_version="1")
    page = text(response)
    assert response.status_code == 400
    assert "A new version of the code of conduct was published" in page
    assert 'name="coc_version" type="hidden" value="2"' in page
    assert "(version 2)" in page
    # The box is unticked: the member must read the new text before accepting it.
    assert 'name="accept_coc" type="checkbox" value="y" checked' not in page
    assert user("giulia") is None


def test_register_with_a_made_up_version_is_refused(client):
    response = register(client, coc_version="99")
    assert response.status_code == 400
    assert user("giulia") is None


@pytest.mark.parametrize(("existing", "attempt", "message"), [
    ("Mario", "mario", "This username is taken"),
    ("mario", "MARIO", "This username is taken"),
    ("mario", "ｍａｒｉｏ", "This username is taken"),  # fullwidth: NFKC makes it "mario"
    ("coco", "сосо", "This username is taken"),  # all Cyrillic, same skeleton as the Latin name
    ("pepe", "рере", "This username is taken"),
    (None, "ma\u200brio", "invisible characters"),  # zero-width space inside
    (None, "mario\u2060", "invisible characters"),
    (None, "m\u00adario", "invisible characters"),  # soft hyphen
    (None, "mаrio", "cannot mix alphabets"),  # Cyrillic а among Latin letters
    (None, "pαypal", "cannot mix alphabets"),  # Greek alpha
    (None, "admin", "reserved"),
    (None, "Admin", "reserved"),
    (None, "ad.min", "reserved"),
    (None, "staff_", "reserved"),
    (None, "Moderator", "reserved"),
    (None, "ab", "Use 3 to 20 characters"),
    (None, "has space", "Use 3 to 20 letters"),
    (None, "<script>", "Use 3 to 20 letters"),
    (None, ".mario", "Use 3 to 20 letters"),
])
def test_username_rules(client, existing, attempt, message):
    if existing:
        make_user(existing)
    count = user_count()
    response = register(client, username=attempt, email="new@example.org")
    page = html.unescape(text(response))
    assert response.status_code == 400, page
    assert message in page
    assert 'id="username-error"' in text(response)
    assert user_count() == count


@pytest.mark.parametrize("name", ["Дмитрий", "たなか太郎", "김민준", "Łukasz.Żak", "renée_2"])
def test_usernames_in_one_script_are_welcome(client, name):
    response = register(client, username=name)
    assert response.status_code == 200, html.unescape(text(response))
    assert user(name) is not None and user(name).username == name


def test_a_stored_username_is_the_normalised_form(client):
    register(client, username="ｇｉｕｌｉａ")
    stored = db.session.scalar(select(User).where(User.email_canonical == "giulia@example.org"))
    assert stored is not None and stored.username == "giulia"


def test_taken_email_any_case_gives_the_success_page_and_mails_the_owner(client, app, outbox):
    make_user("mario", email="mario@example.com")
    taken = register(client, username="newcomer", email="MARIO@Example.COM")
    outbox_after_taken = list(outbox)
    free = register(client, username="other", email="free@example.org")
    assert taken.status_code == free.status_code == 200
    # Identical pages once the typed address and the session's CSRF token are set aside.
    assert (normalise(text(taken)).replace("MARIO@Example.COM", "EMAIL")
            == normalise(text(free)).replace("free@example.org", "EMAIL"))
    assert user("newcomer") is None
    assert user_count() == 2  # mario and other
    assert [m.to for m in outbox_after_taken] == ["mario@example.com"]
    assert "tried to create an account" in outbox_after_taken[0].body
    assert "/password/reset" in outbox_after_taken[0].body


def test_email_is_unique_case_insensitively_in_the_database(app):
    make_user("anna", email="Anna@Example.org")
    with pytest.raises(IntegrityError):
        make_user("anna2", email="anna@example.ORG")
    db.session.rollback()


@pytest.mark.parametrize(("password", "message"), [
    ("short", "Use at least 10 characters."),
    ("password123", "too common or too easy to guess"),
    ("Password2024!", "too common or too easy to guess"),
    ("qwertyuiop", "too common or too easy to guess"),
    ("1234567890", "too common or too easy to guess"),
    ("aaaaaaaaaaaa", "too common or too easy to guess"),
    ("abababababab", "too common or too easy to guess"),
    ("giulia is my name", "must not contain your username or email"),
    ("x" * 201 + "abcd", "Use at most 200 characters."),
])
def test_weak_passwords_are_refused_with_a_clear_message(client, password, message):
    response = register(client, password=password)
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert message in page
    assert 'id="password-error"' in page
    assert user("giulia") is None


def test_control_characters_never_reach_the_database(client):
    response = register(client, display_name="Giulia\x00 \x07Rossi", email="giulia@example.org")
    assert response.status_code == 200
    assert user("giulia").display_name == "Giulia Rossi"


def test_overlong_email_is_refused_not_a_server_error(client):
    response = register(client, email="a" * 250 + "@example.org")
    assert response.status_code == 400
    assert "does not look like an email address" in text(response)


def test_a_signed_in_member_is_sent_home_from_register(client):
    make_user("anna")
    client.login("anna")
    response = client.get("/register")
    assert response.status_code == 302


def test_registration_filter_can_reject(client, app):
    from forum.plugins import Verdict, hookimpl
    from forum.plugins.manager import plugin_manager

    class NoSpammers:
        @hookimpl
        def forum_filter_registration(self, form_data, context):
            if form_data["email"].endswith("@spammer.org"):
                return Verdict.reject("No spammers, please.")
            return None

    pm = plugin_manager(app)
    plugin = NoSpammers()
    pm.register(plugin, name="test-no-spammers")
    try:
        response = register(client, email="bot@spammer.org")
        assert response.status_code == 400 and "No spammers, please." in text(response)
        assert user("giulia") is None
        assert register(client).status_code == 200
    finally:
        pm.unregister(plugin)


def test_register_form_data_helper_is_complete(client):
    # Guards the helper the other tests rely on: without the box ticked it must fail.
    data = register_data(client)
    assert data["accept_coc"] == "y" and data["coc_version"] == "1"


@pytest.mark.parametrize("app_config", [{}])  # the shipped configuration, not the tests' cheap hash
def test_passwords_are_hashed_with_scrypt_by_default(client, app_config):
    register(client)
    assert user("giulia").password_hash.startswith("scrypt:")
    # Unknown accounts are checked against a hash of the same kind (same time taken).
    from forum.accounts.services import _dummy_hash

    assert _dummy_hash().startswith("scrypt:")


def test_registration_and_provider_accounts_share_one_set_of_rules(client, monkeypatch):
    """The form and forum.accounts.external both go through services.create_member, and the
    external module reaches no private name of services (review D13)."""
    import ast
    from pathlib import Path

    from forum.accounts import external

    tree = ast.parse(Path(external.__file__).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "services" for alias in node.names]
    assert "create_member" in imported and not [n for n in imported if n.startswith("_")]

    made: list[services.NewMember] = []
    real = services.create_member

    def recording(data: services.NewMember) -> User:
        made.append(data)
        return real(data)

    monkeypatch.setattr(services, "create_member", recording)
    monkeypatch.setattr(external, "create_member", recording)
    assert register(client).status_code == 200
    external.register_external(external.ExternalRegistration(
        username="from_brand", email="brand@example.com", email_verified=True, display_name="",
        accepted_coc_version=services.current_coc_version() or 0))
    db.session.commit()
    assert [(m.username, m.password is None, m.email_verified) for m in made] == [
        ("giulia", False, False), ("from_brand", True, True)]
    provider_member = user("from_brand")
    assert provider_member.is_verified and not services.has_usable_password(provider_member)
    # The same rules refuse the same things: a reserved name.
    with pytest.raises(services.ValidationFailed):
        external.register_external(external.ExternalRegistration(
            username="admin", email="x@example.com", email_verified=True, display_name="",
            accepted_coc_version=services.current_coc_version() or 0))
