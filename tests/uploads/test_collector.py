"""The collector removes the bytes of files nothing uses, after the grace period, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum import jobs
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.extensions import db
from forum.moderation.services.post_actions import hide_post
from forum.uploads import services as uploads
from forum.uploads.models import Upload
from tests.factories import make_reply, make_topic, make_user
from tests.uploads import image_samples as samples


def stored(user, name: str = "photo.png") -> Upload:
    return uploads.accept_upload(user, name, samples.photo_png()).upload


def age(*items: Upload, hours: float = 49) -> None:
    db.session.execute(update(Upload).where(Upload.id.in_([u.id for u in items]))
                       .values(created_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()


def files_exist(upload: Upload) -> list[bool]:
    storage = uploads.file_storage()
    return [storage.exists(key) for key in uploads.keys_of(upload)]


@pytest.fixture
def anna(app):
    return make_user("anna")


def test_an_unused_file_is_collected_after_the_grace_period_and_its_row_kept(client, anna):
    recent, old = stored(anna), stored(anna)
    age(old)
    assert files_exist(old) == [True, True]
    assert uploads.collect_orphans() == 1
    db.session.refresh(old)
    assert old.collected_at is not None
    assert files_exist(old) == [False, False]
    assert files_exist(recent) == [True, True]
    client.login("anna")
    assert client.get(uploads.file_path(old)).status_code == 404
    assert uploads.collect_orphans() == 0  # nothing twice


def test_files_posts_use_are_kept_even_when_the_post_is_hidden_or_withdrawn(anna):
    shown, hidden, withdrawn = stored(anna), stored(anna), stored(anna)
    topic = make_topic()
    make_reply(topic, anna, "Shown " + uploads.markdown_for(shown))
    hidden_post = make_reply(topic, anna, "Hidden " + uploads.markdown_for(hidden))
    withdrawn_post = make_reply(topic, anna, "Withdrawn " + uploads.markdown_for(withdrawn))
    hide_post(make_user("mod", role="moderator"), hidden_post, "off topic")
    discussions.withdraw_post(anna, withdrawn_post)
    age(shown, hidden, withdrawn)
    assert uploads.collect_orphans() == 0
    assert all(files_exist(shown) + files_exist(hidden) + files_exist(withdrawn))


def test_a_file_an_edit_removed_is_kept_for_the_posts_history(anna):
    photo = stored(anna)
    post = make_reply(make_topic(), anna, "Before " + uploads.markdown_for(photo))
    discussions.edit_post(anna, post, "After, the photo is gone")
    age(photo)
    assert uploads.collect_orphans() == 0


def test_a_file_a_draft_still_names_is_kept(anna):
    photo = stored(anna)
    topic = make_topic()
    discussions.save_draft(anna, "reply", topic.id, {"body": "Not sent yet " + uploads.markdown_for(photo)})
    age(photo)
    assert uploads.collect_orphans() == 0
    assert files_exist(photo) == [True, True]


def test_the_collector_runs_from_the_job_queue(app, anna):
    photo = stored(anna)
    age(photo)
    job = jobs.enqueue("uploads.collect")
    db.session.commit()
    assert jobs.run(job.id) == "done"
    assert db.session.scalar(select(Upload.collected_at).where(Upload.id == photo.id)) is not None
