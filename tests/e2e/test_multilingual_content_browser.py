"""Multilingual content in a real browser: the admin writes a category and the code of conduct
in several languages; an English-interface member writes in Italian, finds it with an Italian
query and corrects the detected language; a French member reads the French category name and
code of conduct and accepts it in French."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.accounts.models import CodeOfConductAcceptance, User
from forum.discussions.models import Category, Post
from forum.extensions import db
from tests.e2e.conftest import login
from tests.factories import make_established_user, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

ITALIAN_REPLY = ("Le riparazioni dei prodotti in garanzia sono gratuite: ho spedito la macchina all'assistenza "
                 "e me l'hanno restituita dopo una settimana.")


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def _fresh(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(model).where(*where))


def test_multilingual_content_main_flow(browser, page, live_server, app):
    make_user("alice", role="admin")
    make_established_user("emma", locale="en")  # past the new-member holds: her reply is published at once
    make_user("claire", locale="fr")

    # The admin writes a category in three languages (the translations fold out).
    login(page, "alice")
    page.goto("/admin/categories/new")
    page.fill("input[name=name]", "Repairs")
    page.fill("input[name=slug]", "repairs")
    page.fill("textarea[name=description]", "Faults, spare parts and service.")
    expect(page.locator("input[name=name__fr]")).to_be_hidden()  # folded until asked for
    page.locator("details.translation summary", has_text="Italiano").click()
    page.fill("input[name=name__it]", "Riparazioni")
    page.locator("details.translation summary", has_text="Français").click()
    page.fill("input[name=name__fr]", "Réparations")
    page.fill("textarea[name=description__fr]", "Pannes, pièces détachées et service.")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/categories$"))
    category = _fresh(Category, Category.slug == "repairs")
    assert category.translations == {"it": {"name": "Riparazioni"},
                                     "fr": {"name": "Réparations",
                                            "description": "Pannes, pièces détachées et service."}}

    # ... and a new code of conduct with its French text.
    page.goto("/admin/code-of-conduct")
    page.fill("textarea[name=body]", "# House rules\n\nBe kind to everyone. **No spam**, please.")
    page.fill("textarea[name=summary]", "Shorter rules.")
    page.locator("details.translation summary", has_text="Français").click()
    page.fill("textarea[name=body__fr]", "# Règles de la maison\n\nSoyez aimables. **Pas de spam**, s'il vous plaît.")
    page.fill("textarea[name=summary__fr]", "Des règles plus courtes.")
    page.click("form.stack button[type=submit]")
    expect(page.locator(".flash.success, .flash")).to_contain_text("Version 2")

    topic = make_topic(make_user("giorgia"), category, title="Garanzia e assistenza",
                       body="Qualcuno ha già mandato la macchina in assistenza in garanzia?")

    # An English-interface member writes in Italian: the post is Italian.
    member = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    member_errors: list[str] = []
    member.on("pageerror", lambda exc: member_errors.append(str(exc)))
    login(member, "emma")
    member.goto("/code-of-conduct")
    expect(member.locator(".cooked strong", has_text="No spam")).to_be_visible()
    member.check("input[name=accept]")
    member.click("form.accept-coc button[type=submit]")
    member.goto(f"/t/{topic.slug}/{topic.id}")
    expect(member.locator(".crumbs .category-name")).to_have_text("Repairs")
    member.fill("textarea[name=body]", ITALIAN_REPLY)
    member.click("#reply button[type=submit]")
    member.wait_for_load_state()
    reply = _fresh(Post, Post.topic_id == topic.id, Post.post_number == 2)
    assert reply is not None and reply.language == "it" and not reply.language_chosen
    assert reply.state == "published"

    # Any member finds it with an Italian query, whatever their interface language.
    member.goto("/search?q=riparazione+prodotto")
    expect(member.locator("article.search-hit h2 a")).to_have_text(["Garanzia e assistenza"])
    expect(member.locator("article.search-hit .category-name")).to_have_text(["Repairs"])
    member.goto("/search?q=riparazione+prodotto&language=fr")
    expect(member.locator("article.search-hit")).to_have_count(0)

    # The author corrects the language; the choice sticks on the next edit.
    member.goto(f"/posts/{reply.id}/edit")
    expect(member.locator("select[name=language]")).to_have_value("auto")
    expect(member.locator("#language-now")).to_have_text("Detected now: Italiano")
    member.select_option("select[name=language]", "fr")
    member.click("form.stack button[type=submit]")
    member.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}\b(?!.*/edit).*"))
    member.goto(f"/posts/{reply.id}/edit")
    expect(member.locator("select[name=language]")).to_have_value("fr")
    reply = _fresh(Post, Post.id == reply.id)
    assert (reply.language, reply.language_chosen) == ("fr", True)

    # A French member reads the French category and code of conduct, and accepts it in French.
    french = browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    french_errors: list[str] = []
    french.on("pageerror", lambda exc: french_errors.append(str(exc)))
    login(french, "claire")
    french.goto("/")
    expect(french.locator("a.category-name", has_text="Réparations")).to_be_visible()
    expect(french.get_by_text("Pannes, pièces détachées et service.")).to_be_visible()
    french.goto("/code-of-conduct")
    expect(french.locator(".cooked strong", has_text="Pas de spam")).to_be_visible()
    expect(french.locator(".summary")).to_have_text("Des règles plus courtes.")
    french.check("input[name=accept]")
    french.click("form.accept-coc button[type=submit]")
    french.wait_for_url(re.compile(r".*/$"))
    claire = _fresh(User, User.username == "claire")
    acceptance = _fresh(CodeOfConductAcceptance, CodeOfConductAcceptance.user_id == claire.id,
                        CodeOfConductAcceptance.coc_version == 2)
    assert acceptance is not None and acceptance.language == "fr"

    # The admin sees who accepted in which language.
    page.goto("/admin/code-of-conduct/2/acceptances")
    expect(page.locator("table.list")).to_contain_text("Français")
    assert page.js_errors == [] and member_errors == [] and french_errors == []
