"""Admins write a category's name and description per community language."""

from __future__ import annotations

from forum.discussions.models import Category
from forum.extensions import db
from tests.factories import make_category, make_user


def _admin(client):
    make_user("boss", role="admin")
    client.login("boss")


def test_the_admin_form_saves_and_shows_translations(client):
    _admin(client)
    form = client.get("/admin/categories/new").get_data(as_text=True)
    assert 'name="name__it"' in form and 'name="description__fr"' in form
    assert 'name="name__en"' not in form  # the default language is the form's own fields
    response = client.post_form("/admin/categories/new", {
        "name": "Repairs", "slug": "repairs", "description": "Faults and spare parts.",
        "read_access": "everyone", "topic_access": "members",
        "name__it": "  Riparazioni  ", "description__it": "Guasti e ricambi.",
        "name__fr": "Réparations", "description__fr": ""})
    assert response.status_code == 302
    cat = db.session.scalar(db.select(Category).where(Category.slug == "repairs"))
    assert cat.translations == {"it": {"name": "Riparazioni", "description": "Guasti e ricambi."},
                                "fr": {"name": "Réparations"}}
    page = client.get(f"/admin/categories/{cat.id}").get_data(as_text=True)
    assert 'value="Riparazioni"' in page and "Guasti e ricambi.</textarea>" in page


def test_clearing_a_translation_removes_it_and_long_names_are_refused(client):
    _admin(client)
    cat = make_category("Repairs", slug="repairs", translations={"it": {"name": "Riparazioni"}})
    base = {"name": "Repairs", "slug": "repairs", "read_access": "everyone", "topic_access": "members"}
    response = client.post_form(f"/admin/categories/{cat.id}", {**base, "name__it": "x" * 81})
    assert response.status_code == 400 and 'id="name__it-error"' in response.get_data(as_text=True)
    db.session.refresh(cat)
    assert cat.translations == {"it": {"name": "Riparazioni"}}
    assert client.post_form(f"/admin/categories/{cat.id}", {**base, "name__it": ""}).status_code == 302
    db.session.refresh(cat)
    assert cat.translations == {}
