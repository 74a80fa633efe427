"""Avatars: a member's picture through the site. Cropping (explicit, in upright pixels, or the
middle), the three served sizes, refusals, replacing and removing (a moderator's removal is
audited), the ``avatar`` macro (picture, Gravatar only when the admin turns it on, the letter)."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.extensions import db
from forum.settings import set_setting
from forum.uploads.avatar_views import crop_from_form
from forum.uploads.avatars import avatar_picture
from forum.uploads.models import ReferenceKind, Upload, UploadKind, UploadReference
from forum.uploads.services import collect_orphans
from tests.factories import make_reply, make_topic, make_user
from tests.factories.accounts import make_member_in_state
from tests.uploads import image_samples as samples
from tests.uploads.image_samples import BLUE, GREEN, QUADRANTS

SIZES = (48, 96, 240)
AVATAR_RE = re.compile(r"/uploads/avatars/([0-9a-f]{32})/(\d+)\.webp")


def setting(key: str, value: Any) -> None:
    set_setting(key, value)
    db.session.commit()


def send_avatar(client: Any, data: bytes, name: str = "me.jpg", crop: tuple[int, int, int] | None = None) -> Any:
    form: dict[str, Any] = {"csrf_token": client.csrf_token(), "avatar": (io.BytesIO(data), name)}
    if crop is not None:
        form.update(crop_left=str(crop[0]), crop_top=str(crop[1]), crop_side=str(crop[2]))
    return client.post("/settings/avatar", data=form, content_type="multipart/form-data")


def user_named(username: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def close_to(actual: Any, expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def quadrant_colours(picture: Image.Image) -> list[Any]:
    rgb = picture.convert("RGB")
    side = rgb.width
    return [rgb.getpixel((x, y)) for y in (side // 4, 3 * side // 4) for x in (side // 4, 3 * side // 4)]


def served_squares(client: Any, token: str) -> dict[int, Image.Image]:
    squares: dict[int, Image.Image] = {}
    for size in SIZES:
        response = client.get(f"/uploads/avatars/{token}/{size}.webp")
        assert response.status_code == 200, (size, response.status_code)
        assert response.mimetype == "image/webp"
        picture = Image.open(io.BytesIO(response.get_data()))
        assert (picture.format, picture.size) == ("WEBP", (size, size))
        squares[size] = picture
    return squares


@pytest.fixture
def member(client):
    user = make_user("anna")
    client.login("anna")
    return user


def test_a_chosen_square_of_a_turned_phone_photo_is_served_in_three_sizes(client, member, app):
    # Stored 800 x 600 with EXIF orientation 6: the member saw it upright, 600 x 800, with the
    # blue quadrant top-left and green bottom-right. The crop is in those upright pixels.
    response = send_avatar(client, samples.phone_jpeg(800, 600, orientation=6), crop=(0, 0, 300))
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings/avatar")
    token = user_named("anna").avatar_token
    assert token
    visitor = app.test_client()
    for picture in served_squares(visitor, token).values():
        assert all(close_to(colour, BLUE) for colour in quadrant_colours(picture))
    served = visitor.get(f"/uploads/avatars/{token}/96.webp")
    assert served.headers["Cache-Control"].startswith("public")
    assert b"Exif" not in served.get_data() and samples.PHONE_MAKE.encode() not in served.get_data()
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    assert upload is not None
    assert (upload.kind, upload.content_type, upload.width, upload.height) == (UploadKind.AVATAR, "image/webp",
                                                                               240, 240)
    assert upload.url_name == "me.webp" and upload.user_id == member.id
    # The bottom-right of what was shown: green.
    send_avatar(client, samples.phone_jpeg(800, 600, orientation=6), crop=(300, 500, 300))
    green = served_squares(visitor, str(user_named("anna").avatar_token))[240]
    assert all(close_to(colour, GREEN) for colour in quadrant_colours(green))


def test_without_a_chosen_square_the_middle_is_taken(client, member):
    # 300 x 100: the middle 100-pixel square holds all four quadrants, in their places.
    assert send_avatar(client, samples.phone_jpeg(300, 100, orientation=1)).status_code == 302
    for picture in served_squares(client, str(user_named("anna").avatar_token)).values():
        colours = quadrant_colours(picture)
        assert all(close_to(a, e) for a, e in zip(colours, QUADRANTS, strict=True)), colours


@pytest.mark.parametrize(("data", "name", "message"), [
    (samples.svg_bytes(), "logo.svg", "SVG images cannot be uploaded"),
    (samples.html_as_jpg(), "cat.jpg", "This file is not an image we can read."),
    (samples.truncated_jpeg(), "broken.jpg", "seems damaged"),
])
def test_what_is_not_a_picture_is_refused_and_nothing_changes(client, member, data, name, message):
    send_avatar(client, samples.photo_png())
    before = user_named("anna").avatar_token
    uploads_before = db.session.scalar(select(func.count(Upload.id)))
    response = send_avatar(client, data, name)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert user_named("anna").avatar_token == before
    assert db.session.scalar(select(func.count(Upload.id))) == uploads_before


def test_a_picture_over_the_limit_is_refused_saying_both_sizes(client, member):
    setting("uploads_max_file_mb", 1)
    response = send_avatar(client, b"\xff\xd8" + b"x" * (3 * 1024 * 1024), "big.jpg")
    assert response.status_code == 400
    assert "This image is 3 MB; the limit is 1 MB." in response.get_data(as_text=True)
    assert user_named("anna").avatar_token is None


def test_no_file_asks_for_one(client, member):
    response = client.post("/settings/avatar", data={"csrf_token": client.csrf_token()},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a picture to upload." in response.get_data(as_text=True)


def test_a_new_picture_replaces_the_old_one_which_is_collected_later(client, member, app):
    send_avatar(client, samples.photo_png())
    old = str(user_named("anna").avatar_token)
    send_avatar(client, samples.phone_jpeg(64, 48))
    new = str(user_named("anna").avatar_token)
    assert new != old
    references = db.session.execute(select(Upload.token, UploadReference.target_kind, UploadReference.target_id)
                                    .join(UploadReference, UploadReference.upload_id == Upload.id)).all()
    assert references == [(new, ReferenceKind.AVATAR, member.id)]
    visitor = app.test_client()
    # A replaced (or removed) picture is no longer public at once; its owner still reads it until collected.
    assert visitor.get(f"/uploads/avatars/{old}/48.webp").status_code == 404
    assert client.get(f"/uploads/avatars/{old}/48.webp").status_code == 200
    setting("uploads_orphan_grace_hours", 0)
    assert collect_orphans() == 1
    assert client.get(f"/uploads/avatars/{old}/48.webp").status_code == 404
    served_squares(visitor, new)


def test_a_member_removes_their_own_picture_without_an_audit_entry(client, member):
    send_avatar(client, samples.photo_png())
    page = client.get("/settings/avatar").get_data(as_text=True)
    assert "Remove picture" in page
    response = client.post("/u/anna/avatar/remove", data={"csrf_token": client.csrf_token(),
                                                           "next": "/settings/avatar"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings/avatar")
    assert user_named("anna").avatar_token is None
    assert db.session.scalar(select(func.count(UploadReference.id))) == 0
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "user.avatar_remove")) == 0


def test_a_moderator_removes_an_offensive_picture_and_it_is_audited(client, member, app):
    send_avatar(client, samples.photo_png())
    token = user_named("anna").avatar_token
    make_user("bruno")
    bruno = app.test_client()
    bruno.login("bruno")
    assert "Remove this member" not in bruno.get("/u/anna").get_data(as_text=True)
    assert bruno.post("/u/anna/avatar/remove", data={"csrf_token": bruno.csrf_token()}).status_code == 403
    assert user_named("anna").avatar_token == token

    moderator = make_user("mona", role="moderator")
    mona = app.test_client()
    mona.login("mona")
    assert "Remove this member" in mona.get("/u/anna").get_data(as_text=True)
    response = mona.post("/u/anna/avatar/remove", data={"csrf_token": mona.csrf_token(), "reason": "Offensive"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/u/anna")
    assert user_named("anna").avatar_token is None
    assert app.test_client().get(f"/uploads/avatars/{token}/96.webp").status_code == 404  # gone for visitors at once
    assert mona.get(f"/uploads/avatars/{token}/96.webp").status_code == 200  # staff can still see what it was
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.avatar_remove"))
    assert entry is not None
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.reason) == (moderator.id, "user", member.id,
                                                                                  "Offensive")
    assert entry.before == {"avatar": token}
    assert "Removed a member&#39;s picture" in mona.get("/moderation/audit").get_data(as_text=True)


def test_a_moderator_cannot_remove_an_admins_picture(client, app):
    make_user("ada", role="admin")
    client.login("ada")
    send_avatar(client, samples.photo_png())
    make_user("mona", role="moderator")
    mona = app.test_client()
    mona.login("mona")
    assert "Remove this member" not in mona.get("/u/ada").get_data(as_text=True)
    assert mona.post("/u/ada/avatar/remove", data={"csrf_token": mona.csrf_token()}).status_code == 403
    assert user_named("ada").avatar_token is not None


@pytest.mark.parametrize("state", ["silenced", "unverified", "pending"])
def test_members_who_cannot_take_part_cannot_set_a_picture(client, state):
    make_member_in_state(state, "quiet")
    client.login("quiet")
    page = client.get("/settings/avatar").get_data(as_text=True)
    assert 'name="avatar"' not in page
    assert send_avatar(client, samples.photo_png()).status_code == 403
    assert user_named("quiet").avatar_token is None


def test_when_uploads_are_off_nobody_sets_a_new_picture(client, member):
    setting("uploads_enabled", False)
    assert "switched off" in client.get("/settings/avatar").get_data(as_text=True)
    response = send_avatar(client, samples.photo_png())
    assert response.status_code == 400 and "switched off" in response.get_data(as_text=True)
    assert user_named("anna").avatar_token is None


def test_the_page_works_without_script_and_the_settings_page_links_to_it(client, member):
    page = client.get("/settings/avatar").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    for name in ("crop_left", "crop_top", "crop_side"):
        assert f'name="{name}" value=""' in page
    assert "js/avatar.js" in page and "<script>" not in page
    assert 'href="/settings/avatar"' in client.get("/settings").get_data(as_text=True)


@pytest.mark.parametrize(("form", "crop"), [
    ({"crop_left": "10", "crop_top": "20", "crop_side": "300"}, (10, 20, 300)),
    ({}, None),
    ({"crop_left": "10", "crop_top": "", "crop_side": "300"}, None),
    ({"crop_left": "-5", "crop_top": "0", "crop_side": "30"}, None),
    ({"crop_left": "1", "crop_top": "1", "crop_side": "0"}, None),
    ({"crop_left": "²", "crop_top": "1", "crop_side": "9"}, None),
    ({"crop_left": "1", "crop_top": "1", "crop_side": "9999999"}, None),
])
def test_the_crop_fields_are_whole_numbers_or_the_middle_is_taken(form, crop):
    assert crop_from_form(form) == crop


# --- the avatar macro ------------------------------------------------------------------------------

def test_pages_show_the_picture_in_the_size_they_need(client, member, app):
    send_avatar(client, samples.photo_png())
    token = user_named("anna").avatar_token
    topic = make_topic(make_user("carla"), title="Avatars in a topic")
    make_reply(topic, member, "A reply with a picture next to it.")
    visitor = app.test_client()
    page = visitor.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    # 40 CSS pixels: the 48 file, and the 96 on 2x screens.
    assert (f'<img class="avatar" src="/uploads/avatars/{token}/48.webp" '
            f'srcset="/uploads/avatars/{token}/96.webp 2x" alt="" width="40" height="40"') in page
    assert '<span class="avatar" style="--size: 40px" aria-hidden="true"' in page  # carla: the letter
    assert ">C</span>" in page
    profile = visitor.get("/u/anna").get_data(as_text=True)
    assert f'src="/uploads/avatars/{token}/96.webp" srcset="/uploads/avatars/{token}/240.webp 2x"' in profile
    assert "gravatar" not in page + profile


def test_gravatar_only_when_the_admin_turns_it_on_and_never_the_address(client, app):
    make_user("dora", email="  Dora.Rossi@Example.COM")
    topic = make_topic(make_user("carla"), title="Gravatar in a topic")
    url = f"/t/{topic.slug}/{topic.id}"
    visitor = app.test_client()
    assert "gravatar.com" not in visitor.get(url).get_data(as_text=True)
    make_reply(topic, user_named("dora"), "A reply from Dora.")
    setting("uploads_gravatar", True)
    page = visitor.get(url).get_data(as_text=True)
    digest = hashlib.sha256(b"dora.rossi@example.com").hexdigest()
    assert (f'src="https://www.gravatar.com/avatar/{digest}?s=80&amp;d=identicon" alt="" width="40" height="40"'
            in page)
    assert 'referrerpolicy="no-referrer"' in page
    assert "example.com" not in page.lower() and "dora.rossi" not in page.lower()
    assert hashlib.md5(b"dora.rossi@example.com").hexdigest() not in page  # the old hash is not there either


def test_an_uploaded_picture_wins_over_gravatar(app):
    setting("uploads_gravatar", True)
    user = make_user("erin")
    user.avatar_token = "a" * 32
    with app.test_request_context("/"):
        picture = avatar_picture(user, 28)
        assert picture is not None and not picture.external
        assert (picture.src, picture.srcset) == (f"/uploads/avatars/{'a' * 32}/48.webp",
                                                 f"/uploads/avatars/{'a' * 32}/96.webp 2x")
        large = avatar_picture(user, 240)
        assert large is not None and (large.src, large.srcset) == (f"/uploads/avatars/{'a' * 32}/240.webp", "")
        assert avatar_picture(None, 40) is None


def test_a_topic_page_costs_the_same_queries_with_pictures_and_gravatar(client, count_queries, app):
    setting("uploads_gravatar", True)
    small = make_topic(make_user(), title="A topic without replies")
    big = make_topic(make_user(), title="A topic with many pictures")
    for n in range(8):
        author = make_user(f"pictured{n}")
        if n % 2:
            author.avatar_token = f"{n:032x}"
        make_reply(big, author, f"Reply number {n} with a picture.")
    db.session.commit()

    def queries(url: str) -> int:
        client.get(url)
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return int(counted.count)

    assert queries(f"/t/{small.slug}/{small.id}") == queries(f"/t/{big.slug}/{big.id}")
    assert AVATAR_RE.search(client.get(f"/t/{big.slug}/{big.id}").get_data(as_text=True))
