"""A translated reason or question stays with its entry whatever the admin does to the list.

Review finding: the default language's lines dropped blank lines while the translations kept
theirs, and the two were zipped by line number, so a blank line or a deleted line moved every
later translation onto the wrong entry (members read a rejection reason nobody chose). Each
test here edits the list the way a browser does: it posts back every field as the page rendered
it, with only the default language's lines (and, where said, one translation) changed.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from forum.extensions import db
from forum.moderation.forms import entry_translation_field
from forum.settings import get_setting, set_setting

SAVED = ["duplicate", {"en": "Off brand", "it": "Fuori marchio", "fr": "Hors marque"},
         {"en": "Too loud", "it": "Troppo rumoroso"}, {"en": "No photos", "it": "Senza foto", "fr": "Sans photos"}]


class _FormReader(HTMLParser):
    """The values a browser would send for the page's settings form, as rendered."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") != "submit":
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[name] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # The HTML parser drops a textarea's first newline (WTForms writes one before the value).
            self.values[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None


def rendered_form(client: Any) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(client.get("/moderation/settings").get_data(as_text=True))
    reader.values.pop("locale", None)  # the language switcher's form, not this one
    return reader.values


@pytest.fixture
def admin_client(app: Any, client: Any, admin: Any) -> Any:
    set_setting("rejection_reasons", SAVED)
    db.session.commit()
    client.login(admin.username)
    return client


def save(client: Any, values: dict[str, str], lines: str) -> Any:
    return client.post_form("/moderation/settings", {**values, "rejection_reasons": lines})


def stored() -> list[Any]:
    db.session.expire_all()
    return list(get_setting("rejection_reasons"))


def test_the_page_shows_the_lines_as_saved(admin_client):
    values = rendered_form(admin_client)
    assert values["rejection_reasons"] == "duplicate\nOff brand\nToo loud\nNo photos"
    save(admin_client, values, values["rejection_reasons"])
    assert stored() == SAVED  # a save with nothing changed keeps every translation where it was


def test_blank_lines_do_not_move_translations(admin_client):
    values = rendered_form(admin_client)
    assert save(admin_client, values, "duplicate\n\nOff brand\n\n\nToo loud\nNo photos\n\n").status_code == 302
    assert stored() == SAVED


def test_deleting_an_entry_takes_its_translation_with_it(admin_client):
    values = rendered_form(admin_client)
    assert save(admin_client, values, "duplicate\nOff brand\nNo photos").status_code == 302
    assert stored() == ["duplicate", {"en": "Off brand", "it": "Fuori marchio", "fr": "Hors marque"},
                        {"en": "No photos", "it": "Senza foto", "fr": "Sans photos"}]
    assert "Troppo rumoroso" not in str(stored())


def test_an_inserted_entry_has_no_translation_and_the_others_keep_theirs(admin_client):
    values = rendered_form(admin_client)
    assert save(admin_client, values, "duplicate\nOff topic for us\nOff brand\nToo loud\nNo photos").status_code == 302
    assert stored() == ["duplicate", "Off topic for us", *SAVED[1:]]
    # The new line gets its fields once saved.
    assert entry_translation_field("rejection_reasons", "Off topic for us", "it") in rendered_form(admin_client)


def test_reordered_entries_keep_their_translations(admin_client):
    values = rendered_form(admin_client)
    assert save(admin_client, values, "No photos\nToo loud\nduplicate\nOff brand").status_code == 302
    assert stored() == [SAVED[3], SAVED[2], "duplicate", SAVED[1]]


def test_editing_the_lines_and_a_translation_in_one_save(admin_client):
    values = rendered_form(admin_client)
    values[entry_translation_field("rejection_reasons", "No photos", "it")] = "Niente foto"
    values[entry_translation_field("rejection_reasons", "Too loud", "fr")] = "Trop bruyant"
    assert save(admin_client, values, "New first\nNo photos\nduplicate\nToo loud").status_code == 302
    assert stored() == ["New first", {"en": "No photos", "it": "Niente foto", "fr": "Sans photos"}, "duplicate",
                        {"en": "Too loud", "it": "Troppo rumoroso", "fr": "Trop bruyant"}]


def test_a_changed_translation_of_a_removed_entry_is_refused_and_kept(admin_client):
    values = rendered_form(admin_client)
    field = entry_translation_field("rejection_reasons", "Off brand", "it")
    values[field] = "Fuori dal marchio"  # the admin retranslates it while renaming its line
    response = save(admin_client, values, "duplicate\nOff-brand\nToo loud\nNo photos")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“Off brand” is no longer in the list, but its translation (Italiano) was changed." in page
    assert 'value="Fuori dal marchio"' in page and "duplicate\nOff-brand\nToo loud\nNo photos</textarea>" in page
    assert stored() == SAVED  # nothing saved
    # Renaming alone is a new entry: the old line's translations go with it, none is moved.
    renamed = "duplicate\nOff-brand\nToo loud\nNo photos"
    assert save(admin_client, rendered_form(admin_client), renamed).status_code == 302
    assert stored() == ["duplicate", "Off-brand", SAVED[2], SAVED[3]]


def test_the_refusal_reads_in_the_admins_language(admin_client, admin):
    admin.locale = "it"
    db.session.commit()
    values = rendered_form(admin_client)
    values[entry_translation_field("rejection_reasons", "Too loud", "fr")] = "Trop bruyant"
    page = save(admin_client, values, "duplicate\nOff brand\nNo photos").get_data(as_text=True)
    assert "“Too loud” non è più nell’elenco" in page


def test_a_form_without_translation_fields_keeps_the_saved_ones(admin_client):
    values = {k: v for k, v in rendered_form(admin_client).items() if "__" not in k}
    assert save(admin_client, values, "No photos\nOff brand\nduplicate").status_code == 302
    assert stored() == [SAVED[3], SAVED[1], "duplicate"]
