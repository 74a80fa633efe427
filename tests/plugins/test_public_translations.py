"""Plugins translate what members read with the core's own helpers, which the public API
exports and documents (the word filter used to build its translated fields itself)."""

from __future__ import annotations

import importlib
from pathlib import Path

import forum.plugins
from forum.plugins import fill_translations, read_translations, translation_field, with_translations

README = Path(__file__).resolve().parents[2] / "plugins" / "README.md"


def test_every_public_name_is_documented_in_the_guide_and_the_module():
    guide = README.read_text(encoding="utf-8")
    docstring = forum.plugins.__doc__ or ""
    for name in forum.plugins.__all__:
        assert f"`{name}" in guide, f"plugins/README.md does not document {name}"
        assert f"``{name}" in docstring, f"forum.plugins' docstring does not document {name}"


def test_the_word_filter_builds_its_translated_fields_with_the_public_helper(app):
    forms = importlib.import_module("forum_plugins.word_filter.forms")
    languages = ("it", "fr")
    form_class = forms.entry_form_class(languages)
    assert form_class is with_translations(forms.EntryForm, {"message": lambda: None}, languages)  # the same class
    with app.test_request_context("/", method="POST", data={"message__it": "Niente insulti.", "message__fr": ""}):
        form = form_class(meta={"csrf": False})
        assert read_translations(form, ["message"], languages) == {"it": {"message": "Niente insulti."},
                                                                   "fr": {"message": ""}}
        fill_translations(form, {"fr": {"message": "Pas d'insultes."}}, ["message"], languages)
        assert form[translation_field("message", "fr")].data == "Pas d'insultes."
        assert form[translation_field("message", "it")].data == ""
