"""Feeds: RSS and Atom that parse, carry only what a visitor reads, link absolutely from
FORUM_PUBLIC_URL, answer 304 to a reader that has them, and cost the same SQL for 1 or 30 items."""

from __future__ import annotations

import re

import feedparser
import pytest

from forum.discussions.models import PostState, ReadAccess
from forum.extensions import db
from forum.uploads import services as uploads
from tests.factories import general_category, make_category, make_reply, make_topic, make_user, opening_post
from tests.uploads import image_samples

PUBLIC = "http://forum.test"
FORMATS = ("rss", "atom")


def _feed(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    return parsed


@pytest.fixture
def world():
    author = make_user("writer", display_name="Wanda Writer")
    public = general_category()
    club = make_category("Club", slug="club", read_access=ReadAccess.MEMBERS)
    staff_room = make_category("Staff room", slug="staff-room", read_access=ReadAccess.STAFF)
    photo = uploads.accept_upload(author, "cup.png", image_samples.photo_png()).upload
    topic = make_topic(author, public, title="Public topic about espresso",
                       body="See [the guide](/t/guide/1) and this " + uploads.markdown_for(photo))
    make_reply(topic, author, "A public reply about grinders.")
    held = make_reply(topic, author, "A held reply about tampers.")
    hidden = make_reply(topic, author, "A hidden reply about kettles.")
    held.state, hidden.state = PostState.PENDING, PostState.HIDDEN
    club_topic = make_topic(author, club, title="Members only secret brewing")
    staff_topic = make_topic(make_user("boss", role="admin"), staff_room, title="Staff only roadmap planning")
    held_topic = make_topic(author, public, title="Held topic awaiting review")
    held_topic.state = PostState.PENDING
    opening_post(held_topic).state = PostState.PENDING
    db.session.commit()
    return {"photo": photo.token, "topic": topic, "club_topic": club_topic, "staff_topic": staff_topic,
            "held_topic": held_topic}


def _feed_urls(world) -> list[str]:
    topic = world["topic"]
    paths = ["/latest", "/c/general", f"/t/{topic.slug}/{topic.id}", "/u/writer"]
    return [f"{path}.{fmt}" for path in paths for fmt in FORMATS]


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_feed_parses_and_holds_only_what_a_visitor_reads(client, world, signed_in):
    if signed_in:  # a moderator's session changes nothing: feeds are the visitor's view
        make_user("mod", role="moderator")
        client.login("mod")
    for url in _feed_urls(world):
        parsed = _feed(client, url)
        text = " ".join(e.title + " " + e.get("summary", "") for e in parsed.entries)
        assert parsed.entries, url
        for secret in ("secret brewing", "roadmap planning", "awaiting review", "tampers", "kettles"):
            assert secret not in text, (url, secret)
    topic_feed = _feed(client, f"/t/{world['topic'].slug}/{world['topic'].id}.rss")
    assert [e.title for e in topic_feed.entries] == ["Re: Public topic about espresso (#2)",
                                                     "Public topic about espresso"]


def test_latest_lists_new_topics_with_author_dates_and_content(client, world):
    for fmt in FORMATS:
        parsed = _feed(client, f"/latest.{fmt}")
        assert [e.title for e in parsed.entries] == ["Public topic about espresso"]
        entry = parsed.entries[0]
        assert entry.author == "Wanda Writer"
        assert entry.published_parsed
        assert fmt == "rss" or entry.get("updated_parsed")  # RSS items have no updated date
        assert entry.link == f"{PUBLIC}/t/{world['topic'].slug}/{world['topic'].id}/1"
        assert entry.id == entry.link


def test_feeds_of_what_a_visitor_cannot_read_answer_404(client, world):
    make_user("member")
    client.login("member")  # even for a member who reads the club: feed URLs are shared
    for key in ("club_topic", "staff_topic", "held_topic"):
        topic = world[key]
        for fmt in FORMATS:
            assert client.get(f"/t/{topic.slug}/{topic.id}.{fmt}").status_code == 404
    for path in ("/c/club", "/c/staff-room", "/c/no-such-place", "/u/nobody-here", "/t/x/999999"):
        for fmt in FORMATS:
            assert client.get(f"{path}.{fmt}").status_code == 404, path


def test_links_are_absolute_from_the_public_url_and_content_links_become_absolute(client, world):
    for url in _feed_urls(world):
        body = client.get(url).get_data(as_text=True)
        hrefs = re.findall(r'(?:href|src)="([^"]+)"', body)  # RSS's escaped HTML keeps its quotes
        hrefs += re.findall(r"<(?:link|guid[^>]*|id)>([^<]+)<", body)
        assert hrefs, url
        assert all(h.startswith(PUBLIC + "/") for h in hrefs), (url, hrefs)
    entry = _feed(client, "/latest.atom").entries[0]
    content = entry.content[0].value
    assert f'href="{PUBLIC}/t/guide/1"' in content
    assert re.search(f'src="{PUBLIC}/uploads/[^"]*{world["photo"]}', content), content


def test_validators_answer_304_and_change_with_the_content(client, world):
    first = client.get("/latest.rss")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in first.headers  # a shared cache keeps it: nothing personal in it
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/latest.rss", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/latest.rss", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/latest.rss", headers={"If-None-Match": '"stale"'}).status_code == 200
    make_topic(make_user(), general_category(), title="A brand new topic arrives")
    changed = client.get("/latest.rss", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_autodiscovery_links_in_the_four_pages(client, world):
    topic = world["topic"]
    pages = {"/latest": "/latest", "/c/general": "/c/general",
             f"/t/{topic.slug}/{topic.id}": f"/t/{topic.slug}/{topic.id}", "/u/writer": "/u/writer"}
    for page, feed in pages.items():
        html = client.get(page).get_data(as_text=True)
        head = html.split("</head>")[0]
        assert 'type="application/rss+xml" title="' in head and f'href="{PUBLIC}{feed}.rss"' in head, page
        assert f'href="{PUBLIC}{feed}.atom"' in head, page
    make_user("member")
    client.login("member")
    club = world["club_topic"]
    assert "application/rss+xml" not in client.get(f"/t/{club.slug}/{club.id}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/latest.rss", "/c/feedcat.atom", "/u/busy.rss"])
def test_a_feed_of_1_or_30_items_runs_the_same_sql(client, count_queries, path):
    category = make_category("Feed cat", slug="feedcat")
    busy = make_user("busy")
    make_topic(busy, category, title="The very first topic")

    def statements() -> tuple[int, list[str]]:
        client.get(path)  # warm-up: per-process caches
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count, q.statements

    small = statements()
    for i in range(30):  # each by another author (but on the member's feed), each its own topic
        make_topic(busy if path.startswith("/u/") else make_user(), category, title=f"Another topic number {i}")
    big = statements()
    assert len(feedparser.parse(client.get(path).data).entries) == 30
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])
