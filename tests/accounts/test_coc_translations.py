"""The code of conduct in the member's language: published with translations, read in the
member's language (else the default one's text), and accepted in the language read."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from forum.accounts import services
from forum.accounts.models import CodeOfConduct, CodeOfConductAcceptance
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH, register, text, user
from tests.factories import make_user

EN = "# House rules\n\nBe kind to everyone. **No spam**, please."
IT = "# Regole della casa\n\nSiate gentili con tutti. **Niente spam**, per favore."
FR = "# Règles de la maison\n\nSoyez aimables avec tout le monde. **Pas de spam**, s'il vous plaît."


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


def publish(app: Any, **translations: str) -> CodeOfConduct:
    """Version 2, through the admin form, with the given translated bodies."""
    admin = app.test_client()
    make_user("boss", role="admin")
    admin.login("boss")
    data = {"body": EN, "summary": "New rules."}
    for code, body in translations.items():
        data[f"body__{code}"] = body
        data[f"summary__{code}"] = {"it": "Nuove regole.", "fr": "Nouvelles règles."}[code]
    response = admin.post_form("/admin/code-of-conduct", data)
    assert response.status_code == 302, text(response)
    coc = db.session.scalar(select(CodeOfConduct).where(CodeOfConduct.version == 2))
    assert coc is not None
    return coc


def acceptance(username: str, version: int = 2) -> CodeOfConductAcceptance:
    member = user(username)
    assert member is not None
    found = db.session.scalar(select(CodeOfConductAcceptance).where(
        CodeOfConductAcceptance.user_id == member.id, CodeOfConductAcceptance.coc_version == version))
    assert found is not None
    return found


def test_translations_are_cooked_by_the_one_markdown_pipeline(app, client):
    coc = publish(app, it=IT + "\n\n<script>alert(1)</script>", fr=FR)
    assert coc.translations["it"]["body"].startswith("# Regole della casa")
    assert "<strong>Niente spam</strong>" in coc.translations["it"]["body_html"]
    assert "<script>" not in coc.translations["it"]["body_html"]
    assert coc.translations["fr"]["summary"] == "Nouvelles règles."
    assert services.coc_languages(coc) == ["en", "it", "fr"]


def test_a_french_visitor_reads_and_accepts_the_french_version_when_registering(app, client):
    publish(app, it=IT, fr=FR)
    client.set_cookie("locale", "fr", domain="forum.test")
    page = text(client.get("/register"))
    assert "<strong>Pas de spam</strong>" in page and "No spam" not in page
    assert 'name="coc_language" type="hidden" value="fr"' in page
    assert register(client, coc_language="fr", coc_version="2").status_code == 200
    assert acceptance("giulia").language == "fr"


def test_a_member_re_accepts_in_their_language_and_the_admin_sees_it(app, client):
    make_user("claire", locale="fr")
    make_user("emma", locale="en")
    publish(app, it=IT, fr=FR)
    client.login("claire")
    page = text(client.get("/code-of-conduct"))
    assert "<strong>Pas de spam</strong>" in page and "Nouvelles règles." in page
    assert 'name="language" type="hidden" value="fr"' in page
    response = client.post_form("/code-of-conduct", {"version": "2", "language": "fr", "accept": "y"})
    assert response.status_code == 302
    assert acceptance("claire").language == "fr"

    emma = app.test_client()
    emma.login("emma")
    assert "<strong>No spam</strong>" in text(emma.get("/code-of-conduct"))
    emma.post_form("/code-of-conduct", {"version": "2", "language": "en", "accept": "y"})
    assert acceptance("emma").language == "en"

    admin = app.test_client()
    admin.login("boss")
    listing = text(admin.get("/admin/code-of-conduct/2/acceptances"))
    assert "Français" in listing and "English" in listing
    versions = text(admin.get("/admin/code-of-conduct"))
    assert "English, Italiano, Français" in versions


def test_without_a_translation_the_default_text_is_read_and_recorded(app, client):
    make_user("claire", locale="fr")
    publish(app, it=IT)  # no French
    client.login("claire")
    page = text(client.get("/code-of-conduct"))
    assert "<strong>No spam</strong>" in page and 'name="language" type="hidden" value="en"' in page
    # A page that claims a language the version does not have records what the member was shown.
    client.post_form("/code-of-conduct", {"version": "2", "language": "fr", "accept": "y"})
    assert acceptance("claire").language == "en"


def test_a_translation_too_short_is_refused_next_to_its_field(app, client):
    make_user("boss", role="admin")
    client.login("boss")
    response = client.post_form("/admin/code-of-conduct", {"body": EN, "summary": "New rules.", "body__it": "Corto."})
    assert response.status_code == 400
    page = text(response)
    assert 'id="body__it-error"' in page and "20 characters at least" in page
    assert services.current_coc_version() == 1
