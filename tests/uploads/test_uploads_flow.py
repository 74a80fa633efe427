"""Uploads through the site: the composer's endpoint, posts that show files, who may read them,
limits, the form field without script, and the topic list's thumbnail."""

from __future__ import annotations

import io
import random
import re
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from forum.discussions import services as discussions
from forum.discussions.models import Post, PostState
from forum.extensions import db
from forum.settings import set_setting
from forum.uploads import services as uploads
from forum.uploads.models import ReferenceKind, Upload, UploadReference
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.factories.moderation import hold_new_members
from tests.uploads import image_samples as samples

TOKEN_RE = re.compile(r"upload://([0-9a-f]{32})")


def upload(client: Any, data: bytes, name: str = "IMG_2034.jpg") -> Any:
    return client.post(
        "/uploads",
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def uploaded(client: Any, data: bytes, name: str = "IMG_2034.jpg") -> dict[str, Any]:
    response = upload(client, data, name)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def setting(key: str, value: Any) -> None:
    set_setting(key, value)
    db.session.commit()


@pytest.fixture
def member(client):
    user = make_user("anna")
    client.login("anna")
    return user


def test_a_phone_photo_is_served_upright_without_any_metadata(client, member):
    answer = uploaded(client, samples.phone_jpeg(64, 48, orientation=6))
    assert answer["markdown"] == f"![IMG_2034](upload://{answer['token']})"
    served = client.get(answer["url"])
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    body = served.get_data()
    image = Image.open(io.BytesIO(body))
    assert image.size == (48, 64)  # orientation 6: turned a quarter, no tag left to do it again
    assert not image.getexif()
    for secret in (samples.PHONE_MAKE.encode(), samples.PHONE_COMMENT, b"GPS", b"Exif", b"xmpmeta"):
        assert secret not in body


def test_a_reply_shows_the_image_and_the_topic_list_its_thumbnail(client, member):
    answer = uploaded(client, samples.phone_jpeg(64, 48))
    category = make_category("Photos", slug="photos")
    topic = discussions.create_topic(member, category, "My broken kettle", "Look:\n\n" + answer["markdown"]).post.topic
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert f'<img src="{answer["url"]}" alt="IMG_2034" width="48" height="64" loading="lazy">' in page
    listing = client.get("/c/photos").get_data(as_text=True)
    thumbnail = f"/uploads/thumbnails/{answer['token']}.webp"
    assert thumbnail in listing
    served = client.get(thumbnail)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert max(Image.open(io.BytesIO(served.get_data())).size) <= 320


def test_a_visitor_cannot_read_an_image_of_a_staff_only_category(client, app):
    staff_only = make_category("Backstage", slug="backstage", read_access="staff")
    moderator = make_user("mona", role="moderator")
    client.login("mona")
    answer = uploaded(client, samples.photo_png())
    discussions.create_topic(moderator, staff_only, "Internal photo notes", answer["markdown"])
    assert client.get(answer["url"]).status_code == 200
    client.get("/logout")
    visitor = app.test_client()
    assert visitor.get(answer["url"]).status_code == 404
    assert visitor.get(f"/uploads/thumbnails/{answer['token']}.webp").status_code == 404
    make_user("bruno")
    member_client = app.test_client()
    member_client.login("bruno")
    assert member_client.get(answer["url"]).status_code == 404


def test_an_image_in_a_held_post_is_for_its_author_and_moderators(client, app):
    topic = make_topic(make_user(post_count=10))
    hold_new_members(1)
    author = make_user("newbie")
    client.login("newbie")
    answer = uploaded(client, samples.photo_png())
    post = discussions.create_reply(author, topic, "Held with a photo " + answer["markdown"]).post
    assert post.state == PostState.PENDING
    assert client.get(answer["url"]).status_code == 200
    assert "private" in client.get(answer["url"]).headers["Cache-Control"]
    visitor = app.test_client()
    assert visitor.get(answer["url"]).status_code == 404
    make_user("mod", role="moderator")
    moderator = app.test_client()
    moderator.login("mod")
    assert moderator.get(answer["url"]).status_code == 200


def test_a_public_image_may_be_cached_by_everyone(client, member, app):
    answer = uploaded(client, samples.photo_png())
    make_reply(make_topic(), member, "Public " + answer["markdown"])
    visitor = app.test_client()
    served = visitor.get(answer["url"])
    assert served.status_code == 200
    assert served.headers["Cache-Control"].startswith("public")
    assert visitor.get(answer["url"], headers={"If-None-Match": served.headers["ETag"]}).status_code == 304


def test_an_upload_no_post_uses_is_its_uploaders_alone(client, member, app):
    answer = uploaded(client, samples.photo_png())
    assert client.get(answer["url"]).status_code == 200
    visitor = app.test_client()
    assert visitor.get(answer["url"]).status_code == 404


def test_someone_elses_unpublished_upload_cannot_be_shown_by_guessing_its_token(client, member):
    answer = uploaded(client, samples.photo_png())
    thief = make_user("thief")
    post = make_reply(make_topic(), thief, "Look " + answer["markdown"])
    assert answer["url"] not in post.cooked
    assert db.session.scalar(select(UploadReference.id).where(UploadReference.target_id == post.id)) is None


def test_quoting_a_post_with_an_image_shows_the_image(client, member):
    answer = uploaded(client, samples.photo_png())
    topic = make_topic()
    make_reply(topic, member, "Mine " + answer["markdown"])
    quoter = make_user("quoter")
    post = make_reply(topic, quoter, "[quote]\n" + answer["markdown"] + "\n[/quote]\nSame here")
    assert answer["url"] in post.cooked


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (samples.html_as_jpg(), "cat.jpg", "named like an image but is not one"),
        (samples.svg_bytes(), "logo.svg", "SVG images cannot be uploaded"),
        (samples.svg_bytes(prolog=b""), "logo.png", "SVG images cannot be uploaded"),
        (samples.png_bomb(), "bomb.png", "100000 × 100000 pixels; the limit is 40 million pixels"),
        (samples.truncated_jpeg(), "broken.jpg", "seems damaged"),
        (b"MZ\x90\x00 not a program", "setup.exe", "Files of this type cannot be uploaded"),
        (b"<html><script>alert(1)</script></html>", "notes.pdf", "content does not match its name (.pdf)"),
        (b"\x00\x01binary", "notes.txt", "content does not match its name (.txt)"),
    ],
)
def test_what_is_not_what_it_says_is_refused_with_a_clear_message(client, member, data, name, message):
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert db.session.scalar(select(Upload.id)) is None


def test_a_file_over_the_limit_is_refused_saying_both_sizes(client, member):
    setting("uploads_max_file_mb", 1)
    response = upload(client, b"\xff\xd8" + b"x" * (3 * 1024 * 1024), "big.jpg")
    assert response.status_code == 400
    assert response.get_json()["error"] == "This image is 3 MB; the limit is 1 MB."


def noise_png(side: int = 600) -> bytes:
    """A picture that does not compress: about side² × 3 × 0.6 bytes once re-encoded."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), bytes(random.Random(side).randbytes(side * side * 3))).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_daily_quota_counts_what_was_uploaded(client, member):
    setting("uploads_daily_mb_new", 1)
    answers = [upload(client, noise_png(500)) for _ in range(5)]  # ~750 KB sent, ~175 KB kept each
    assert [a.status_code for a in answers][:2] == [200, 200]
    refused = next(a for a in answers if a.status_code != 200)
    assert refused.status_code == 400
    message = refused.get_json()["error"]
    assert "in the last 24 hours" in message and "the limit is 1 MB a day" in message
    assert sum(db.session.scalars(select(Upload.size))) <= 1024 * 1024
    setting("uploads_daily_mb_new", 0)  # 0: no quota
    uploaded(client, noise_png(400))


def test_a_post_may_hold_only_so_many_files(client, member):
    setting("uploads_files_per_post", 2)
    markdown = "\n".join(uploaded(client, samples.photo_png())["markdown"] for _ in range(3))
    response = client.post_form(f"/t/{make_topic().id}/reply", {"body": "Three " + markdown})
    assert response.status_code == 400
    assert "A post may hold 2 files; this one has 3." in response.get_data(as_text=True)
    assert "Three" in response.get_data(as_text=True)  # the text is kept


def test_an_attachment_is_downloaded_never_shown(client, member):
    answer = uploaded(client, b"%PDF-1.7\n% a manual\n", "Manuale d’uso – caffè.pdf")
    assert answer["markdown"] == f"[Manuale d’uso – caffè.pdf](upload://{answer['token']})"
    make_reply(make_topic(), member, "The manual: " + answer["markdown"])
    served = client.get(answer["url"])
    assert served.status_code == 200
    disposition = served.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment;")
        and "filename*=UTF-8''Manuale%20d%E2%80%99uso%20%E2%80%93%20caff%C3%A8.pdf" in disposition
    )
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_without_script_the_forms_file_field_adds_the_files_to_the_post(client, member):
    topic = make_topic()
    response = client.post(
        f"/t/{topic.id}/reply",
        data={
            "csrf_token": client.csrf_token(),
            "body": "See the photo",
            "files": [(io.BytesIO(samples.phone_jpeg()), "kettle.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 2))
    assert post.raw.startswith("See the photo\n\n![kettle](upload://")
    assert "/uploads/" in post.cooked


def test_without_script_a_refused_file_keeps_the_text(client, member):
    topic = make_topic()
    response = client.post(
        f"/t/{topic.id}/reply",
        data={
            "csrf_token": client.csrf_token(),
            "body": "My long careful explanation",
            "files": [(io.BytesIO(samples.svg_bytes()), "logo.svg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "logo.svg: SVG images cannot be uploaded" in page
    assert "My long careful explanation" in page


def test_an_edit_that_removes_an_image_keeps_it_for_the_history_only(client, member, app):
    answer = uploaded(client, samples.photo_png())
    post = make_reply(make_topic(), member, "Before " + answer["markdown"])
    discussions.edit_post(member, post, "After, without the photo")
    kinds = set(db.session.scalars(select(UploadReference.target_kind)))
    assert kinds == {ReferenceKind.REVISION}
    visitor = app.test_client()
    assert visitor.get(answer["url"]).status_code == 404
    make_user("mod", role="moderator")
    client.login("mod")
    assert client.get(answer["url"]).status_code == 200


def test_a_new_members_post_with_files_can_be_held_for_review(client, member):
    setting("uploads_hold_new_members", True)
    answer = uploaded(client, samples.photo_png())
    outcome = discussions.create_reply(member, make_topic(), "Photo " + answer["markdown"])
    assert outcome.held
    established = make_user("old", post_count=50)
    assert not discussions.create_reply(established, make_topic(), "No files at all here").held


def test_visitors_cannot_upload(app):
    visitor = app.test_client()
    assert visitor.post("/uploads", data={}).status_code in (302, 400, 401)
    assert db.session.scalar(select(Upload.id)) is None


def test_the_site_paths_uploads_builds_are_its_routes(app, member):
    """store.py owns the paths cooked posts keep; they must be what the blueprint serves."""
    from flask import url_for

    photo = uploads.accept_upload(member, "p.png", samples.photo_png()).upload
    with app.test_request_context("/"):
        assert uploads.file_path(photo) == url_for("uploads.file", token=photo.token, name=photo.url_name)
        assert uploads.thumbnail_path(photo.token) == url_for("uploads.thumbnail", token=photo.token)
        assert uploads.avatar_path(photo.token, 48) == url_for("uploads.avatar", token=photo.token, size=48)


def test_without_script_preview_shows_the_reply_with_its_photo_and_keeps_both(client, member):
    topic = make_topic()
    response = client.post(f"/t/{topic.id}/reply", data={
        "csrf_token": client.csrf_token(), "body": "Is this normal?", "preview": "1",
        "files": [(io.BytesIO(samples.phone_jpeg()), "kettle.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    token = TOKEN_RE.search(page).group(1)  # the file is stored and its reference is in the kept text
    assert f"![kettle](upload://{token})" in page
    preview = '<div class="preview cooked" aria-live="polite"><p>Is this normal?</p>\n'
    assert f'{preview}<p><img src="/uploads/{token}/' in page
    assert db.session.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.post_number == 2)) is None


def test_an_attachment_link_is_drawn_as_a_file(client, member):
    answer = uploaded(client, b"%PDF-1.7\n", "manual.pdf")
    post = make_reply(make_topic(), member, "See " + answer["markdown"])
    assert f'<a href="{answer["url"]}" class="attachment" rel="nofollow ugc noopener">manual.pdf</a>' in post.cooked
