"""Hosting remote images (admin option): a post's ``![](https://…)`` is downloaded by a job,
re-encoded, and the post shows the local copy; the member's text is not rewritten."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from forum import jobs, outbound
from forum.extensions import db
from forum.settings import set_setting
from tests.factories import make_reply, make_topic, make_user
from tests.uploads import image_samples as samples

PHOTO = samples.phone_jpeg()


class _Images(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/kettle.jpg":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(PHOTO)))
            self.end_headers()
            self.wfile.write(PHOTO)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def image_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _allow_any_address(_ip: Any) -> bool:
    return True  # the image server is on loopback; production keeps the strict default


@pytest.fixture
def app_config(image_server: int) -> dict[str, Any]:
    return {"UPLOADS_REMOTE_ADDRESS_ALLOWED": _allow_any_address, "UPLOADS_REMOTE_PORTS": (image_server,)}


def test_a_remote_image_is_hosted_here_and_the_post_shows_the_copy(app, image_server):
    set_setting("uploads_download_remote_images", True)
    db.session.commit()
    url = f"http://127.0.0.1:{image_server}/kettle.jpg"
    post = make_reply(make_topic(), make_user(), f"Mine: ![kettle]({url}) and ![gone](http://127.0.0.1:{image_server}/x.jpg)")
    assert url in post.cooked  # until the job ran
    jobs.run_pending()
    db.session.refresh(post)
    assert url not in post.cooked
    assert 'src="/uploads/' in post.cooked
    assert f"http://127.0.0.1:{image_server}/x.jpg" in post.cooked  # a 404 stays remote
    assert post.raw.startswith("Mine: ![kettle](http://")  # the member's words are theirs


def test_without_the_option_remote_images_stay_remote(app, image_server):
    url = f"http://127.0.0.1:{image_server}/kettle.jpg"
    post = make_reply(make_topic(), make_user(), f"Mine: ![kettle]({url})")
    jobs.run_pending()
    db.session.refresh(post)
    assert url in post.cooked


def test_the_default_policy_refuses_a_loopback_address(client, image_server):
    with pytest.raises(outbound.RemoteFetchRefused) as refused:
        outbound.fetch(f"http://127.0.0.1:{image_server}/kettle.jpg", allowed_ports=frozenset({image_server}))
    assert refused.value.code == "address"
