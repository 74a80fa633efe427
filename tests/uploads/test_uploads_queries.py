"""A topic page runs the same number of SQL statements with 1 post holding images or 20: files
are resolved when a post is written, never when it is read."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.uploads import services as uploads
from forum.uploads.models import UploadReference
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.uploads import image_samples as samples


def _count(client, count_queries, url: str) -> tuple[int, list[str]]:
    client.get(url)
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count, q.statements


def _with_images(author, n: int = 2) -> str:
    return " ".join(uploads.markdown_for(uploads.accept_upload(author, f"p{i}.png", samples.photo_png()).upload)
                    for i in range(n))


def test_topic_page_1_post_vs_20_posts_each_with_images(client, count_queries):
    small_author = make_user()
    small = make_topic(small_author, make_category("Few", slug="few"), title="One post with photos",
                       body="Photos " + _with_images(small_author))
    big_author = make_user()
    big = make_topic(big_author, make_category("Many", slug="many"), title="Twenty posts with photos",
                     body="Photos " + _with_images(big_author))
    for _ in range(19):
        author = make_user()
        make_reply(big, author, "More photos " + _with_images(author))
    assert db.session.scalar(select(func.count(UploadReference.id))) == 42
    one, twenty = (_count(client, count_queries, f"/t/{small.slug}/{small.id}"),
                   _count(client, count_queries, f"/t/{big.slug}/{big.id}"))
    assert one[0] == twenty[0], "\n".join(["ONE:", *one[1], "TWENTY:", *twenty[1]])
    page = client.get(f"/t/{big.slug}/{big.id}").get_data(as_text=True)
    assert page.count('src="/uploads/') == 40


def test_topic_list_with_thumbnails_runs_the_same_statements(client, count_queries):
    author = make_user()
    category = make_category("Gallery", slug="gallery")
    make_topic(author, category, title="Plain topic here", body="No pictures at all")
    plain = _count(client, count_queries, "/c/gallery")
    for i in range(10):
        make_topic(author, category, title=f"Pictured topic {i}", body="Look " + _with_images(author, 1))
    pictured = _count(client, count_queries, "/c/gallery")
    assert plain[0] == pictured[0]
    assert client.get("/c/gallery").get_data(as_text=True).count('class="topic-thumbnail"') == 10
