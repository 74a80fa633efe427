"""Read it in their language: locale choice, the language switcher, time zones, complete catalogs."""

from __future__ import annotations

import importlib.util
import re
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from forum.extensions import db
from tests.factories import make_topic, make_user, opening_post

ROOT = Path(__file__).resolve().parent.parent


def load_i18n_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("circolo_i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


I18N = load_i18n_script()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_accept_language_picks_italian(client):
    page = text(client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"}))
    assert '<html lang="it">' in page
    assert ">Accedi<" in page and ">Iscriviti<" in page and "Codice di comportamento" in page
    assert ">Log in<" not in page


def test_accept_language_picks_french(client):
    page = text(client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9"}))
    assert '<html lang="fr">' in page
    assert "Nom d’utilisateur ou e-mail" in page or "Nom d&#39;utilisateur ou e-mail" in page


def test_unsupported_languages_fall_back_to_english(client):
    page = text(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert '<html lang="en">' in page and ">Log in<" in page


def test_the_member_setting_wins_over_the_browser(client):
    make_user("claire", locale="fr")
    client.login("claire")
    page = text(client.get("/", headers={"Accept-Language": "it"}))
    assert '<html lang="fr">' in page and "Se déconnecter" in page


def test_a_member_without_a_setting_follows_the_browser(client):
    make_user("paolo")
    client.login("paolo")
    page = text(client.get("/", headers={"Accept-Language": "it"}))
    assert '<html lang="it">' in page and "Esci" in page


def test_the_footer_switcher_sets_a_cookie(client):
    response = client.post_form("/language", {"locale": "fr", "next": "/latest"},
                                headers={"Accept-Language": "it"})
    assert response.status_code == 302 and response.headers["Location"] == "/latest"
    cookie = client.get_cookie("locale", domain="forum.test")
    assert cookie is not None and cookie.value == "fr"
    assert '<html lang="fr">' in text(client.get("/latest", headers={"Accept-Language": "it"}))


def test_the_switcher_saves_a_members_choice(client):
    member = make_user("paolo", locale="it")
    client.login("paolo")
    client.post_form("/language", {"locale": "en", "next": "/"})
    db.session.refresh(member)
    assert member.locale == "en"


def test_the_switcher_ignores_unknown_locales_and_foreign_redirects(client):
    response = client.post_form("/language", {"locale": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert client.get_cookie("locale", domain="forum.test") is None


def test_the_switcher_marks_the_current_language(client):
    page = text(client.get("/", headers={"Accept-Language": "it"}))
    assert re.search(r'value="it"[^>]*aria-current="true"', page)


def time_text(page: str, iso: str) -> str:
    """The exact date and time shown for ``iso`` (the time macro's tooltip)."""
    match = re.search(rf'<time datetime="{re.escape(iso)}" title="([^"]+)">[^<]+</time>', page)
    assert match, f"no <time datetime={iso}> on the page"
    return match.group(1)


def test_times_are_shown_in_the_members_time_zone(client):
    topic = make_topic(title="Winter opening hours")
    noon = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)  # winter: Rome is UTC+1
    topic.created_at = noon
    first = opening_post(topic)
    first.created_at = noon
    db.session.commit()
    url = f"/t/{topic.slug}/{topic.id}"

    make_user("roma", timezone="Europe/Rome", locale="it")
    client.login("roma")
    assert "13:00" in time_text(text(client.get(url)), noon.isoformat())
    client.post_form("/logout")

    make_user("londra", locale="it")  # no zone set: the site default, UTC
    client.login("londra")
    assert "12:00" in time_text(text(client.get(url)), noon.isoformat())


def test_visitors_time_zone_cookie_from_the_browser_is_used_at_registration(client):
    # forum.js stores the zone with encodeURIComponent: "Europe%2FRome".
    from tests.accounts.helpers import register, user

    client.set_cookie("tz", "Europe%2FRome", domain="forum.test")
    register(client)
    assert user("giulia").timezone == "Europe/Rome"


# --- catalogs -------------------------------------------------------------------------------

def catalog_packages() -> list[str]:
    """The script's list, plus domain folders without an ``__init__.py`` (namespace packages),
    which ``packages()`` does not see."""
    names = list(I18N.packages())
    for folder in sorted((ROOT / "forum").iterdir()):
        if (folder.is_dir() and folder.name not in ("templates", "static", "translations", "__pycache__")
                and any(folder.glob("*.py")) and folder.name not in names):
            names.append(folder.name)
    return names


@pytest.mark.parametrize("package", catalog_packages())
def test_every_string_is_translated_and_compiled(package):
    """One test per catalog package; the failure lists exactly which strings lack it/fr."""
    problems = I18N.missing(package)
    assert not problems, f"{len(problems)} translation problems in {package!r}:\n" + "\n".join(problems)


def test_no_string_is_translated_two_ways_by_two_packages():
    """The catalogs are merged at run time: a msgid two packages translate differently shows
    one package's wording on the other's pages (the reply button said "Risposta")."""
    problems = I18N.conflicts()
    assert not problems, "translated two ways (unify them, or give one a pgettext context):\n" + "\n".join(problems)


def test_the_italian_and_french_reply_buttons_say_the_verb(client):
    member = make_user("rosa", locale="it")
    topic = make_topic(member)
    client.login("rosa")
    assert ">Rispondi</button>" in text(client.get(f"/t/{topic.slug}/{topic.id}"))
    member.locale = "fr"
    db.session.commit()
    assert ">Répondre</button>" in text(client.get(f"/t/{topic.slug}/{topic.id}"))
