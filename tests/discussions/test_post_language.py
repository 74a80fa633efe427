"""A post's language through the app: detected from its text, corrected by its author.

The detector itself is unit-tested in tests/test_languages.py; here: what the posting services
store, what the edit form offers, and that the author's choice survives later edits.
"""

from __future__ import annotations

import pytest

from forum.discussions import services as discussions
from forum.discussions.models import Post, PostRevision, PostState
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.moderation.models import ReviewItem
from forum.settings import set_setting
from tests.factories import make_category, make_topic, make_user, opening_post

ITALIAN = "Ho cambiato la guarnizione del gruppo caffè e adesso la macchina non perde più acqua."
FRENCH = "J'ai changé le joint du groupe café et maintenant la machine ne fuit plus du tout."
ENGLISH = "I replaced the brew group gasket and now the machine does not leak any water at all."


def _reply(client, topic, body):
    return client.post_form(f"/t/{topic.id}/reply", {"body": body})


def _last_post(user) -> Post:
    db.session.expire_all()
    return db.session.scalars(db.select(Post).where(Post.user_id == user.id).order_by(Post.id.desc())).first()


def test_an_english_interface_member_writing_italian_stores_italian(client):
    emma = make_user("emma", locale="en")
    topic = make_topic(make_user(), make_category(), title="Perdite d'acqua")
    client.login("emma")
    assert _reply(client, topic, ITALIAN).status_code == 302
    post = _last_post(emma)
    assert post.language == "it" and not post.language_chosen


def test_a_topic_takes_the_language_of_its_title_and_opening_post(client):
    emma = make_user("emma", locale="en")
    client.login("emma")
    cat = make_category()
    response = client.post_form("/new-topic", {"category": cat.id, "title": "La machine fuit par le bas",
                                               "body": FRENCH})
    assert response.status_code == 302
    post = _last_post(emma)
    assert post.language == "fr" and post.topic.language == "fr"


@pytest.mark.parametrize(("locale", "text"), [("it", "Thanks!"), ("fr", "Grazie mille!"), ("en", "Merci !")])
def test_short_replies_keep_the_authors_language(client, locale, text):
    author = make_user(locale=locale)
    topic = make_topic(make_user(), make_category())
    # Short and written in another language than the author's: too short to tell, the author's wins.
    post = discussions.create_reply(author, topic, text).post
    assert post.language == locale and not post.language_chosen


def test_the_authors_correction_sticks_across_edits_until_they_hand_it_back(client):
    emma = make_user("emma", locale="en")
    topic = make_topic(make_user(), make_category())
    post = discussions.create_reply(emma, topic, ITALIAN).post
    assert post.language == "it"
    client.login("emma")

    form = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert '<option selected value="auto">' in form and "Detected now: Italiano" in form

    # The author says it is French (say, a regional variant the detector misreads).
    response = client.post_form(f"/posts/{post.id}/edit", {"body": ITALIAN, "language": "fr",
                                                          "base_revision": "0"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert (post.language, post.language_chosen) == ("fr", True)
    assert post.edit_count == 1  # a change of language alone is an edit, judged and revised

    # A later edit of the text keeps the choice: the form comes back with it selected.
    form = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert '<option selected value="fr">Français</option>' in form and "Detected now" not in form
    client.post_form(f"/posts/{post.id}/edit", {"body": ITALIAN + " Aggiornamento: tutto bene.",
                                                "language": "fr", "base_revision": "1"})
    db.session.refresh(post)
    assert (post.language, post.language_chosen) == ("fr", True)
    # Moderation's own flows pass no language: the choice is kept there too.
    discussions.edit_post(make_user(role="moderator"), post, ITALIAN + " Ancora.")
    assert (post.language, post.language_chosen) == ("fr", True)

    # "Detect it from the text" hands the choice back: detected again.
    client.post_form(f"/posts/{post.id}/edit", {"body": ITALIAN, "language": "auto",
                                                "base_revision": str(post.edit_count)})
    db.session.refresh(post)
    assert (post.language, post.language_chosen) == ("it", False)


def test_an_edit_without_a_choice_detects_again(client):
    emma = make_user("emma", locale="it")
    topic = make_topic(emma, make_category(), title="Water everywhere", body=ENGLISH)
    post = opening_post(topic)
    assert post.language == "en" and topic.language == "en"
    discussions.edit_post(emma, post, FRENCH, title="La machine fuit par le bas")
    assert post.language == "fr" and topic.language == "fr" and not post.language_chosen


def test_services_accept_an_explicit_language_and_refuse_unknown_ones(client):
    emma = make_user("emma", locale="en")
    cat = make_category()
    outcome = discussions.create_topic(emma, cat, "Una domanda", ITALIAN, language="fr")
    assert (outcome.post.language, outcome.post.language_chosen, outcome.post.topic.language) == ("fr", True, "fr")
    reply = discussions.create_reply(emma, outcome.post.topic, ITALIAN, language="en").post
    assert (reply.language, reply.language_chosen) == ("en", True)
    with pytest.raises(ValidationFailed) as exc:
        discussions.create_reply(emma, outcome.post.topic, ITALIAN, language="de")
    assert "language" in exc.value.errors
    client.login("emma")
    response = client.post_form(f"/posts/{reply.id}/edit", {"body": ITALIAN, "language": "xx", "base_revision": "0"})
    assert response.status_code == 400
    db.session.refresh(reply)
    assert reply.language == "en"


def _written_before_detection(author, topic, text):
    """A post from before detection existed: its language is its author's interface language."""
    post = discussions.create_reply(author, topic, text).post
    post.language, post.language_chosen = author.locale, False
    db.session.commit()
    return post


def test_saving_an_unchanged_post_changes_nothing(client):
    emma = make_user("emma", locale="en")
    topic = make_topic(make_user(), make_category())
    post = _written_before_detection(emma, topic, ITALIAN)
    assert (post.language, post.state) == ("en", PostState.PUBLISHED)
    # Edits by new members are held again: a needless edit would send the post back to the queue.
    set_setting("first_posts_need_approval", 5)
    db.session.commit()
    client.login("emma")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": ITALIAN, "language": "auto",
                                                          "base_revision": "0"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert (post.edit_count, post.edited_at, post.state) == (0, None, PostState.PUBLISHED)
    assert (post.language, post.language_chosen) == ("en", False)  # not detected again: nothing changed
    assert db.session.scalar(db.select(db.func.count()).select_from(PostRevision)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(ReviewItem)) == 0
    # The service alike, title included (an opening post's unchanged title is no change either).
    opening = opening_post(make_topic(emma, make_category(), title="Water everywhere", body=ENGLISH))
    opening.language = "it"
    db.session.commit()
    discussions.edit_post(emma, opening, ENGLISH, title="Water everywhere")
    assert (opening.edit_count, opening.language, opening.topic.language) == (0, "it", "en")


def test_a_changed_text_or_an_explicit_choice_still_detects_or_changes_the_language(client):
    emma = make_user("emma", locale="en")
    topic = make_topic(make_user(), make_category())
    post = _written_before_detection(emma, topic, ITALIAN)
    discussions.edit_post(emma, post, ITALIAN + " Aggiornamento: adesso funziona tutto.")
    assert (post.language, post.language_chosen, post.edit_count) == ("it", False, 1)

    other = _written_before_detection(emma, topic, ITALIAN)
    discussions.edit_post(emma, other, ITALIAN, language="it")  # the author's correction alone: an edit
    assert (other.language, other.language_chosen, other.edit_count) == ("it", True, 1)
    discussions.edit_post(emma, other, ITALIAN, language="auto")  # handing the choice back: detected
    assert (other.language, other.language_chosen, other.edit_count) == ("it", False, 2)
