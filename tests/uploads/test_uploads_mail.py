"""A post's photos in notification mail: shown when visitors may read the post (a mail client
fetches images with no session), a link to sign in and see them otherwise (never a broken image)."""

from __future__ import annotations

from typing import Any

import pytest

from forum import jobs
from forum.discussions.models import ReadAccess
from forum.notifications.kinds import Delivery
from forum.uploads import services as uploads
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.notifications.email_helpers import REPLY, mail_job, mail_kinds, notice_for  # noqa: F401 - a fixture
from tests.uploads import image_samples as samples

pytestmark = pytest.mark.usefixtures("mail_kinds")


def mailed_html(outbox: list[Any], access: str) -> tuple[str, str]:
    anna = make_user("anna", notification_prefs={REPLY.name: Delivery.EMAIL})
    carla = make_user("carla")
    photo = uploads.accept_upload(carla, "kettle.png", samples.photo_png()).upload
    topic = make_topic(make_user("bruno"), make_category("Kitchen", read_access=access), title="The kettle leaks")
    reply = make_reply(topic, carla, "Mine too: " + uploads.markdown_for(photo))
    jobs.run_pending()
    outbox.clear()
    mail_job(notice_for(anna, REPLY, reply))
    (mail,) = [m for m in outbox if m.to == anna.email]
    return mail.html or "", uploads.file_path(photo)


def test_a_public_posts_photo_is_shown_in_the_mail(app, outbox):
    html, path = mailed_html(outbox, ReadAccess.EVERYONE)
    assert f'<img src="http://forum.test{path}"' in html


def test_a_members_only_posts_photo_is_a_link_in_the_mail(app, outbox):
    html, path = mailed_html(outbox, ReadAccess.MEMBERS)
    assert f'<a href="http://forum.test{path}"' in html and "[kettle]</a>" in html
    assert "<img src=\"http://forum.test/uploads/" not in html
