"""Autosaves arrive out of order (a beacon overtakes a fetch, a slow save lands after the reply
was sent, a second tab writes too): the server keeps the newest and ignores the rest.

Each composer sends the page's server-issued time (rendered into the form, never the
browser's clock) and a per-page sequence number; a draft remembers the newest (page, seq) it
was written with. A reply's autosave from a page rendered before the member's last post in
that topic is ignored too (the post already took that text)."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions.models import Draft
from forum.discussions.services import drafts
from forum.extensions import db
from tests.factories import make_category, make_reply, make_user
from tests.threads import run_together

PAGE_RE = re.compile(r'data-draft-page="(\d+)"')


def _page(client, url: str) -> str:
    match = PAGE_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no data-draft-page on {url}"
    return match.group(1)


def _save(client, topic, page: str, seq: int, body: str):
    return client.post_form(f"/drafts/reply/{topic.id}", {"body": body, "page": page, "seq": str(seq)})


def _body(user) -> str | None:
    row = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == "reply"))
    return None if row is None else row.data.get("body")


def test_the_page_time_is_the_servers(client, topic, writer):
    before = (utcnow() - drafts.EPOCH) // timedelta(microseconds=1)
    reply_page = int(_page(client, f"/t/{topic.slug}/{topic.id}"))
    topic_page = int(_page(client, "/new-topic"))
    after = (utcnow() - drafts.EPOCH) // timedelta(microseconds=1)
    assert before <= reply_page <= topic_page <= after


def test_an_older_snapshot_never_overwrites_a_newer_one(client, topic, writer):
    """The beacon sent as the tab went to the background (seq 3) arrives before the fetch it
    overtook (seq 2): the fetch is answered 409 and the newer text stays."""
    page = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, page, 1, "First words").status_code == 200
    assert _save(client, topic, page, 3, "First words, and the last ones").status_code == 200
    late = _save(client, topic, page, 2, "First words, and")
    assert late.status_code == 409 and late.get_json()["saved"] is False and late.get_json()["stale"] is True
    assert late.get_json()["message"]
    assert _body(writer) == "First words, and the last ones"
    # The same save again (a retry) is harmless.
    assert _save(client, topic, page, 3, "First words, and the last ones").status_code == 200


def test_a_newer_page_wins_over_an_older_tab(client, topic, writer):
    old_tab = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, old_tab, 7, "From the old tab").status_code == 200
    new_tab = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, new_tab, 1, "From the new tab, which restored it").status_code == 200
    assert _save(client, topic, old_tab, 8, "The old tab again").status_code == 409
    assert _body(writer) == "From the new tab, which restored it"


def test_a_late_save_cannot_bring_back_the_draft_of_a_sent_reply(client, topic, writer):
    page = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, page, 1, "Sent before the save arrived").status_code == 200
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Sent before the save arrived."}).status_code == 302
    assert _body(writer) is None
    # The save that was still on its way when the form was sent (the composer waits at most 4 s).
    late = _save(client, topic, page, 2, "Sent before the save arrived.")
    assert late.status_code == 409
    assert _body(writer) is None
    assert "We restored" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    # The page the reply leads to is newer than the reply: writing there saves again.
    fresh = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, fresh, 1, "A second reply, later").status_code == 200
    assert _body(writer) == "A second reply, later"


def test_someone_elses_reply_does_not_stop_the_save(client, topic, writer):
    page = _page(client, f"/t/{topic.slug}/{topic.id}")
    make_reply(topic, make_user("quick"), "Someone else answered meanwhile.")
    assert _save(client, topic, page, 1, "Still mine to send").status_code == 200


def test_a_late_save_cannot_bring_back_the_draft_of_a_new_topic(client, writer):
    category = make_category("Roasting", slug="roasting")
    page = _page(client, "/new-topic")
    fields = {"category": str(category.id), "title": "Light roasts", "body": "Do they need longer?"}
    assert client.post_form("/drafts/topic/new", {**fields, "page": page, "seq": "1"}).status_code == 200
    assert client.post_form("/new-topic", fields).status_code == 302
    assert client.post_form("/drafts/topic/new", {**fields, "page": page, "seq": "2"}).status_code == 409
    assert drafts.read_draft(writer, "topic", None) is None


def test_an_emptied_box_stays_empty_when_an_older_save_arrives_late(client, topic, writer):
    page = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, page, 1, "Something I then deleted").status_code == 200
    emptied = _save(client, topic, page, 3, "")
    assert emptied.status_code == 200 and emptied.get_json()["saved"] is False
    assert _save(client, topic, page, 2, "Something I then deleted, typed on").status_code == 409
    assert drafts.read_draft(writer, "reply", topic.id) is None
    assert "We restored" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)


def test_text_kept_by_a_blocked_post_beats_saves_from_before_it(app, client, topic, writer):
    page = _page(client, f"/t/{topic.slug}/{topic.id}")
    drafts.save_draft(writer, "reply", topic.id, {"kind": "reply", "key": topic.id, "body": "What I sent"})
    assert _save(client, topic, page, 5, "What I had typed before sending").status_code == 409
    assert _body(writer) == "What I sent"


def test_a_page_time_from_the_future_counts_as_now(client, topic, writer):
    """A forged time cannot lock the member's own later pages out."""
    assert _save(client, topic, "9" * 19, 1, "From the future").status_code == 200
    fresh = _page(client, f"/t/{topic.slug}/{topic.id}")
    assert _save(client, topic, fresh, 1, "From now").status_code == 200
    assert _body(writer) == "From now"
    for junk in ("", "abc", "9" * 40, "-5"):
        assert client.post_form(f"/drafts/reply/{topic.id}", {"body": "Junk", "page": junk,
                                                             "seq": junk}).status_code in (200, 409)


@pytest.mark.committing  # threads with their own sessions
def test_concurrent_saves_of_one_page_keep_the_highest_sequence(app):
    """Saves racing in several workers: the check and the write are one statement, so the
    newest wins whatever order the database runs them in."""
    user_id = make_user("racer").id
    page = drafts.page_stamp()
    count = 12

    def worker(seq: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            with contextlib.suppress(drafts.DraftOutdated):  # overtaken: the refusal is the point
                drafts.autosave_draft(user, "reply", 42, {"body": f"seq {seq}", "page": page, "seq": str(seq)})
            db.session.remove()

    run_together(worker, [(seq,) for seq in range(1, count + 1)])
    db.session.expire_all()
    rows = list(db.session.scalars(select(Draft).where(Draft.user_id == user_id)))
    assert len(rows) == 1 and rows[0].data["body"] == f"seq {count}"
