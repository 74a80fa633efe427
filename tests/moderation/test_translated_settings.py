"""Application questions and canned reasons per community language: the admin writes the
default language's lines, then each saved line's text per language; members read them in their
own language (else the default's). How translations follow their entries through edits of the
list: tests/moderation/test_settings_translations_follow_entries.py."""

from __future__ import annotations

from sqlalchemy import select

from forum.accounts.services import current_coc_version
from forum.extensions import db
from forum.moderation import services
from forum.moderation.forms import entry_translation_field
from forum.moderation.models import Flag, ReviewItem, ReviewKind
from forum.moderation.services.labels import rejection_text
from forum.settings import get_setting
from tests.factories import make_category, make_topic, make_user, opening_post

SETTINGS = {
    "first_posts_need_approval": "0", "flags_to_hide": "3", "claim_minutes": "30", "approve_members": "y",
    "application_questions": "Which machine do you own?\nHow did you find us?",
    "flag_reasons": "spam\nBroken link\nother",
    "rejection_reasons": "duplicate\nPlease write in one of the community's languages.",
}
# Each saved line of the admin's own has a field per other language (built-in keys have none).
TRANSLATIONS = {
    ("application_questions", "Which machine do you own?", "it"): "Quale macchina possiedi?",
    ("application_questions", "Which machine do you own?", "fr"): "Quelle machine avez-vous ?",
    ("application_questions", "How did you find us?", "fr"): "Comment nous avez-vous trouvés ?",
    ("flag_reasons", "Broken link", "it"): "Link non funzionante",
    ("flag_reasons", "Broken link", "fr"): "Lien cassé",
    ("rejection_reasons", "Please write in one of the community's languages.", "fr"):
        "Écrivez dans une des langues de la communauté, s'il vous plaît.",
}


def _save(client, admin) -> None:
    client.login(admin.username)
    response = client.post_form("/moderation/settings", SETTINGS)  # the lines first: new lines have no fields yet
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post_form("/moderation/settings", {
        **SETTINGS, **{entry_translation_field(*where): text for where, text in TRANSLATIONS.items()}})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post_form("/logout")


def test_the_lists_are_stored_per_language_and_shown_back_aligned(app, client, admin):
    _save(client, admin)
    assert get_setting("flag_reasons") == [
        "spam", {"en": "Broken link", "it": "Link non funzionante", "fr": "Lien cassé"}, "other"]
    assert get_setting("application_questions") == [
        {"en": "Which machine do you own?", "it": "Quale macchina possiedi?", "fr": "Quelle machine avez-vous ?"},
        {"en": "How did you find us?", "fr": "Comment nous avez-vous trouvés ?"}]
    # Keys stay the default language's text: flags and stored answers keep working.
    assert services.application_questions() == ["Which machine do you own?", "How did you find us?"]
    client.login(admin.username)
    page = client.get("/moderation/settings").get_data(as_text=True)
    assert ">\r\nWhich machine do you own?\nHow did you find us?</textarea>" in page
    italian_question = entry_translation_field("application_questions", "How did you find us?", "it")
    assert f'name="{italian_question}" type="text" value="">' in page  # the untranslated one stays empty
    assert f'<label for="{italian_question}">How did you find us?</label>' in page  # labelled with its entry
    assert 'value="Link non funzionante"' in page
    assert entry_translation_field("flag_reasons", "spam", "it") not in page  # built-in keys: gettext's


def test_an_applicant_reads_the_questions_in_their_language(app, client, admin):
    _save(client, admin)
    client.set_cookie("locale", "it", domain="forum.test")
    page = client.get("/register").get_data(as_text=True)
    assert "Quale macchina possiedi?" in page
    assert "How did you find us?" in page  # no Italian for this one: the default text
    client.post_form("/register", {
        "username": "giulia", "display_name": "Giulia", "email": "giulia@example.org",
        "password": "a-much-Longer-pass-phrase-9", "coc_version": str(current_coc_version()), "accept_coc": "y",
        "answer_0": "Una Barista Pro", "answer_1": "Da un amico"})
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == ReviewKind.MEMBER))
    # Stored under the questions' keys, so moderators read them whatever the applicant's language.
    assert item.data["answers"] == [["Which machine do you own?", "Una Barista Pro"],
                                    ["How did you find us?", "Da un amico"]]


def test_members_flag_with_reasons_in_their_language(app, client, admin):
    _save(client, admin)
    topic = make_topic(make_user(), make_category(), title="Un link", body="Guardate qui, è tutto spiegato.")
    make_user("claire", locale="fr")
    client.login("claire")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert 'value="Broken link" required> Lien cassé</label>' in page and "> Broken link</label>" not in page
    assert 'value="spam" required> Spam</label>' in page  # built-in: gettext's French is "Spam" too
    post = opening_post(topic)
    assert client.post_form(f"/posts/{post.id}/flag", {"reason": "Broken link"}).status_code == 302
    flag = db.session.scalar(select(Flag).where(Flag.post_id == post.id))
    assert flag is not None and flag.reason == "Broken link"  # the key, whatever the flagger's language
    assert services.flag_reason_label("Broken link") == "Broken link"  # outside a request: the default language


def test_a_canned_rejection_reason_reaches_the_author_in_their_language(app, client, admin):
    _save(client, admin)
    claire, emma, giulia = make_user("claire", locale="fr"), make_user("emma", locale="en"), make_user("g", locale="it")
    key = "Please write in one of the community's languages."
    assert rejection_text(key, "", claire) == "Écrivez dans une des langues de la communauté, s'il vous plaît."
    assert rejection_text(key, "", emma) == key
    assert rejection_text(key, "Grazie.", giulia) == f"{key} Grazie."  # no Italian: the default text
    assert rejection_text("duplicate", "", claire) == "Cela a déjà été abordé dans un autre sujet."


def test_a_list_longer_than_allowed_is_refused_with_its_lines_kept(app, client, admin):
    client.login(admin.username)
    reasons = "\n".join(f"Reason number {n}" for n in range(1, 32))
    response = client.post_form("/moderation/settings", {**SETTINGS, "flag_reasons": reasons})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Keep it to 30 lines at most (this list has 31)." in page
    assert "Reason number 31" in page  # nothing the admin typed is lost
    assert get_setting("flag_reasons") != reasons.splitlines()[:30]


def test_a_line_longer_than_allowed_is_refused_not_cut(app, client, admin):
    client.login(admin.username)
    long_line = "Spam " + "x" * 400
    before = get_setting("flag_reasons")
    response = client.post_form("/moderation/settings", {**SETTINGS, "flag_reasons": f"Off topic\n{long_line}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Keep each line to 300 characters at most" in page
    assert long_line in page  # the admin's text stays in the form
    assert get_setting("flag_reasons") == before
