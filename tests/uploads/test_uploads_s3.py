"""The whole upload path on the S3 backend (a real S3-compatible server, moto, started by the
tests): the composer's upload, a post showing it, the permission check before the redirect to a
short-lived signed URL, and the collector deleting objects."""

from __future__ import annotations

import io
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from sqlalchemy import update

from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.extensions import db
from forum.uploads import services as uploads
from forum.uploads.models import Upload
from forum.uploads.storage import S3Storage
from tests.factories import make_category, make_user
from tests.uploads import image_samples as samples


@pytest.fixture
def app_config(s3_config: dict[str, Any]) -> dict[str, Any]:
    return dict(s3_config)


def test_an_image_goes_to_s3_and_is_served_by_signed_redirect_after_the_permission_check(client, app):
    assert isinstance(uploads.file_storage(), S3Storage)
    member = make_user("anna")
    client.login("anna")
    response = client.post("/uploads", data={"csrf_token": client.csrf_token(),
                                             "file": (io.BytesIO(samples.phone_jpeg()), "kettle.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    answer = response.get_json()
    staff_only = make_category("Backstage", slug="backstage", read_access="staff")
    public = make_category("Open", slug="open")
    discussions.create_topic(member, public, "A kettle with a photo", answer["markdown"])

    redirect = client.get(answer["url"])
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert "X-Amz-Signature" in query and int(query["X-Amz-Expires"][0]) <= 300
    with urllib.request.urlopen(location) as served:
        body = served.read()
        assert served.headers["Content-Type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(body)).getexif()

    secret = uploads.accept_upload(make_user("mona", role="moderator"), "plan.png", samples.photo_png()).upload
    discussions.create_topic(db.session.get(type(member), secret.user_id), staff_only, "Staff only photo",
                             uploads.markdown_for(secret))
    visitor = app.test_client()
    assert visitor.get(uploads.file_path(secret)).status_code == 404  # no signed URL handed out


def test_the_collector_deletes_objects_from_s3(app):
    photo = uploads.accept_upload(make_user("anna"), "photo.png", samples.photo_png()).upload
    storage = uploads.file_storage()
    assert all(storage.exists(key) for key in uploads.keys_of(photo))
    db.session.execute(update(Upload).values(created_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    assert uploads.collect_orphans() == 1
    assert not any(storage.exists(key) for key in uploads.keys_of(photo))
