"""Category names and descriptions in the reader's language, wherever a category is shown.

The admin writes them in the default language (the columns) and, optionally, per community
language (``categories.translations``); a reader sees their language's version, else the
default language's.
"""

from __future__ import annotations

from tests.factories import make_category, make_topic, make_user

TRANSLATIONS = {
    "it": {"name": "Riparazioni", "description": "Guasti, pezzi di ricambio e assistenza."},
    "fr": {"name": "Réparations", "description": "Pannes, pièces détachées et service."},
}


def _repairs():
    return make_category("Repairs", slug="repairs", description="Faults, spare parts and service.",
                         translations=TRANSLATIONS)


def test_french_member_sees_french_name_and_description_on_every_page(client):
    cat = _repairs()
    author = make_user("writer")
    topic = make_topic(author, cat, title="Pump noise after descaling")
    make_user("claire", locale="fr")
    client.login("claire")

    home = client.get("/").get_data(as_text=True)
    assert "Réparations" in home and "Pannes, pièces détachées et service." in home
    assert ">Repairs<" not in home and "Faults, spare parts" not in home

    page = client.get("/c/repairs").get_data(as_text=True)
    assert "<title>Réparations" in page and "Pannes, pièces détachées et service." in page

    topic_page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert ">Réparations</a>" in topic_page  # the breadcrumb

    latest = client.get("/latest").get_data(as_text=True)
    assert ">Réparations</a>" in latest and ">Repairs</a>" not in latest

    new_topic = client.get("/new-topic").get_data(as_text=True)
    assert f'value="{cat.id}"' in new_topic and ">Réparations</option>" in new_topic

    search_form = client.get("/search").get_data(as_text=True)
    assert ">Réparations</option>" in search_form


def test_italian_member_sees_italian_and_english_member_the_default(client):
    cat = _repairs()
    make_topic(make_user("writer"), cat, title="Pump noise after descaling")
    make_user("giulia", locale="it")
    make_user("emma", locale="en")

    client.login("giulia")
    assert "Riparazioni" in client.get("/c/repairs").get_data(as_text=True)
    client.post_form("/logout")
    client.login("emma")
    html = client.get("/c/repairs").get_data(as_text=True)
    assert "Repairs" in html and "Riparazioni" not in html and "Réparations" not in html


def test_no_translation_falls_back_to_the_default_language(client):
    make_category("Meetups", slug="meetups", description="Where we meet.",
                  translations={"it": {"name": "Incontri"}})  # no description in Italian, nothing in French
    make_user("claire", locale="fr")
    make_user("giulia", locale="it")
    client.login("claire")
    html = client.get("/c/meetups").get_data(as_text=True)
    assert "Meetups" in html and "Where we meet." in html
    client.post_form("/logout")
    client.login("giulia")
    html = client.get("/c/meetups").get_data(as_text=True)
    assert "Incontri" in html and "Where we meet." in html  # the name is translated, the description falls back
