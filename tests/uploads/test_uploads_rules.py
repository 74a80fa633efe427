"""The rules found by review: a file's site path written by hand is a reference like
upload://; hosted remote copies are nobody's files; refusals name the real reason; the topic's
thumbnail follows its posts' states; revision files for whoever reads the history; the
collector never stalls and never takes a file a write starts using."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Topic
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.services.post_actions import hide_post
from forum.settings import set_setting
from forum.uploads import services as uploads
from forum.uploads.models import Upload, UploadReference
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post
from tests.factories.staff import make_staff
from tests.uploads import image_samples as samples


def setting(key: str, value: Any) -> None:
    set_setting(key, value)
    db.session.commit()


def photo_of(user: Any, name: str = "p.png") -> Upload:
    return uploads.accept_upload(user, name, samples.photo_png()).upload


@pytest.fixture
def anna(app):
    return make_user("anna", post_count=20, created_at=utcnow() - timedelta(days=30))


def test_a_site_path_written_by_hand_is_a_reference_like_upload(anna):
    photo = photo_of(anna)
    post = make_reply(make_topic(), anna, f"By hand: ![x]({uploads.file_path(photo)})")
    assert uploads.file_path(photo) in post.cooked
    assert db.session.scalar(select(UploadReference.target_id).where(UploadReference.upload_id == photo.id)) == post.id


def test_someone_elses_private_file_by_its_site_path_shows_nothing(anna):
    photo = photo_of(anna)  # in no post: anna's alone
    path = uploads.file_path(photo)
    post = make_reply(make_topic(), make_user("thief"), f"![x]({path}) [y]({path})")
    assert "/uploads/" not in post.cooked


def test_a_new_members_file_by_its_site_path_is_held_too(app):
    setting("uploads_hold_new_members", True)
    newbie = make_user("newbie")
    photo = photo_of(newbie)
    assert discussions.create_reply(newbie, make_topic(), f"Look ![x]({uploads.file_path(photo)})").held


def test_hosted_copies_of_remote_images_do_not_count_as_the_members_files(anna):
    setting("uploads_files_per_post", 1)
    hosted = []
    for n in range(3):
        copy = photo_of(anna)
        copy.user_id, copy.source_url_hash = None, uploads.url_hash(f"https://img.example/{n}.png")
        hosted.append(copy)
    setting("uploads_download_remote_images", True)
    body = " ".join(f"![r{n}](https://img.example/{n}.png)" for n in range(3))
    post = make_reply(make_topic(), anna, body)
    assert post.cooked.count('src="/uploads/') == 3


@pytest.mark.parametrize(("data", "name"), [(samples.heic_header(), "IMG_0001.HEIC"), (samples.bmp_bytes(), "scan.bmp"),
                                            (samples.tiff_bytes(), "scan.tiff")])
def test_image_formats_we_do_not_take_are_named_as_such(client, anna, data, name):
    client.login("anna")
    response = client.post("/uploads", data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This kind of image cannot be uploaded" in response.get_json()["error"]


def test_more_files_than_a_post_holds_are_refused_before_any_is_read(client, anna):
    setting("uploads_files_per_post", 2)
    client.login("anna")
    topic = make_topic()
    response = client.post(f"/t/{topic.id}/reply", data={
        "csrf_token": client.csrf_token(), "body": "Three photos",
        "files": [(io.BytesIO(samples.photo_png()), f"p{n}.png") for n in range(3)]},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "A post may hold 2 files; this one has 3." in response.get_data(as_text=True)
    assert db.session.scalar(select(Upload.id)) is None  # none was stored


def test_the_hourly_count_limits_both_ways_in(client, anna):
    setting("uploads_files_per_hour", 2)
    client.login("anna")
    for n in range(2):
        photo_of(anna, f"p{n}.png")
    response = client.post("/uploads", data={"csrf_token": client.csrf_token(),
                                             "file": (io.BytesIO(samples.photo_png()), "p.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "You have uploaded 2 files in the last hour" in response.get_json()["error"]


def test_the_topics_thumbnail_follows_its_posts(anna):
    moderator = make_user("mod", role="moderator")
    topic = make_topic(make_user("opener"), make_category("Kettles"), title="A kettle without a photo")
    first = photo_of(anna)
    reply = make_reply(topic, anna, "Mine " + uploads.markdown_for(first))
    assert db.session.get(Topic, topic.id).image_token == first.token
    discussions.edit_post(topic.author, opening_post(topic), "A kettle without a photo, edited")
    assert db.session.get(Topic, topic.id).image_token == first.token  # an edit of the opening post keeps it
    hide_post(moderator, reply, "off topic")
    assert db.session.get(Topic, topic.id).image_token is None  # a hidden photo leaves the list


def test_a_held_reply_with_a_photo_gives_the_thumbnail_once_approved(app):
    from tests.factories.moderation import hold_new_members

    topic = make_topic(make_user("opener", post_count=10), title="Waiting for a photo")
    hold_new_members(1)
    newbie = make_user("newbie")
    photo = photo_of(newbie)
    post = discussions.create_reply(newbie, topic, "Mine " + uploads.markdown_for(photo)).post
    assert db.session.get(Topic, topic.id).image_token is None
    moderation.approve_item(make_user("mod", role="moderator"), moderation.open_item_for_post(post.id))
    assert db.session.get(Topic, topic.id).image_token == photo.token


def test_a_revisions_file_is_for_whoever_reads_the_history(client, app, anna):
    photo = photo_of(anna)
    post = make_reply(make_topic(), anna, "Before " + uploads.markdown_for(photo))
    discussions.edit_post(anna, post, "After, without it")
    make_staff("sara")
    staff = app.test_client()
    staff.login("sara")
    assert staff.get(uploads.file_path(photo)).status_code == 200  # staff read revisions
    make_user("bruno")
    member = app.test_client()
    member.login("bruno")
    assert member.get(uploads.file_path(photo)).status_code == 404


def test_files_kept_by_drafts_never_stall_the_collector(anna):
    kept = [photo_of(anna, f"k{n}.png") for n in range(3)]
    unused = photo_of(anna, "u.png")
    discussions.save_draft(anna, "reply", make_topic().id,
                           {"body": " ".join(uploads.markdown_for(k) for k in kept)})
    db.session.execute(update(Upload).values(created_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    assert uploads.collect_orphans(batch=1) == 1
    db.session.refresh(unused)
    assert unused.collected_at is not None


def test_a_write_that_uses_a_file_collected_meanwhile_is_refused_with_a_message(anna):
    photo = photo_of(anna)
    markdown = uploads.markdown_for(photo)
    resolver = uploads.resolver_for(anna)
    assert resolver([photo.token], [])  # resolved while still there...
    db.session.execute(update(Upload).where(Upload.id == photo.id).values(collected_at=utcnow()))
    db.session.commit()
    post = make_reply(make_topic(), anna, "Earlier text")
    with pytest.raises(ValidationFailed) as refused:
        uploads.record_post_files(post, [photo.token], anna)  # ...collected before the write's commit
    db.session.rollback()
    assert "removed as unused" in str(refused.value.errors["body"])
    assert markdown
