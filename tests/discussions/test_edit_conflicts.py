"""No silent overwrites: an edit saved from an outdated form is refused, and nothing typed is lost."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from forum.discussions import services
from forum.discussions.models import PostRevision
from forum.extensions import db
from tests.factories import make_reply, make_topic, make_user


def base_revision(html: str) -> str:
    match = re.search(r'name="base_revision" type="hidden" value="(\d+)"', html) or re.search(
        r'id="base_revision" name="base_revision" type="hidden" value="(\d+)"', html)
    assert match, "the edit form carries the revision it was loaded from"
    return match.group(1)


@pytest.fixture
def reply(app):
    author = make_user("anna")
    return make_reply(make_topic(), author, "The grinder squeaks.")


def test_a_moderators_edit_in_between_is_not_overwritten_and_the_authors_text_is_kept(app, client, reply):
    client.login("anna")
    opened = client.get(f"/posts/{reply.id}/edit").get_data(as_text=True)
    revision = base_revision(opened)

    moderator = make_user("mona", role="moderator")
    services.edit_post(moderator, reply, "The grinder squeaks. [link removed by a moderator]")

    stale = client.post_form(f"/posts/{reply.id}/edit", {
        "body": "The grinder squeaks with oily beans.", "base_revision": revision, "reason": ""})
    page = unescape(stale.get_data(as_text=True))
    assert stale.status_code == 409
    assert "Someone changed this post while you were editing it" in page
    assert "[link removed by a moderator]" in page  # the current version is shown
    assert "The grinder squeaks with oily beans." in page  # and the member's own text is kept
    db.session.expire_all()
    assert reply.raw == "The grinder squeaks. [link removed by a moderator]"

    # Saving again from the page the conflict showed (now based on the current revision) works.
    merged = client.post_form(f"/posts/{reply.id}/edit", {
        "body": "The grinder squeaks with oily beans.", "base_revision": base_revision(page), "reason": ""})
    assert merged.status_code == 302
    db.session.expire_all()
    assert reply.raw == "The grinder squeaks with oily beans." and reply.edit_count == 2


def test_two_tabs_the_second_save_is_refused(app, client, reply):
    client.login("anna")
    first_tab = base_revision(client.get(f"/posts/{reply.id}/edit").get_data(as_text=True))
    second_tab = base_revision(client.get(f"/posts/{reply.id}/edit").get_data(as_text=True))
    assert client.post_form(f"/posts/{reply.id}/edit", {"body": "From the first tab.",
                                                        "base_revision": first_tab}).status_code == 302
    assert client.post_form(f"/posts/{reply.id}/edit", {"body": "From the second tab.",
                                                        "base_revision": second_tab}).status_code == 409
    db.session.expire_all()
    assert reply.raw == "From the first tab."


def test_the_service_refuses_a_stale_base_and_writes_nothing(app, reply):
    author = reply.author
    services.edit_post(author, reply, "Second version.", base_revision=0)
    with pytest.raises(services.EditConflict) as refused:
        services.edit_post(author, reply, "Written from the old form.", base_revision=0)
    assert refused.value.current_revision == 1
    db.session.expire_all()
    assert reply.raw == "Second version." and reply.edit_count == 1
    assert db.session.scalar(select(func.count()).select_from(PostRevision)
                             .where(PostRevision.post_id == reply.id)) == 1


def test_the_claim_is_made_in_sql_so_a_racing_save_cannot_also_win(app, reply):
    # Another worker saved revision 1 between this request's read and its write: the row moved
    # on in the database while the loaded object still says 0.
    db.session.execute(db.text("UPDATE posts SET edit_count = 1, raw = 'Saved by the other worker.' "
                               "WHERE id = :id"), {"id": reply.id})
    db.session.commit()
    with pytest.raises(services.EditConflict):
        services.edit_post(reply.author, reply, "Saved by this worker.", base_revision=0)
    db.session.expire_all()
    assert reply.raw == "Saved by the other worker."
