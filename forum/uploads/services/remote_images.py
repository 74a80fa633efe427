"""Hosting remote images (admin option): readers' addresses do not reach other sites.

When ``uploads_download_remote_images`` is on, a post whose text shows ``![…](https://…)``
queues a job (in the post's own transaction) that downloads each image through the SSRF-safe
fetcher (:mod:`forum.outbound`: http(s) only, public addresses only after resolution,
size and time limits), re-encodes it like any upload, and re-cooks the post so it shows the
local copy. The member's text is never rewritten: the copy is found by the URL's hash at cook
time. A URL that cannot be fetched stays remote (the next edit of the post tries again). Hosted
copies belong to no member: they never count against anyone's files per post or quota.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select

from forum import jobs, outbound
from forum.discussions.models import Post
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.settings import get_setting
from forum.uploads.models import Upload
from forum.urls import bot_user_agent

from .intake import store_image
from .references import url_hash

log = logging.getLogger(__name__)
JOB = "uploads.download_remote_images"
MAX_IMAGES_PER_POST = 20


def queue_download(post: Post, urls: tuple[str, ...]) -> None:
    """In the writer's transaction: fetch these images after the commit."""
    if urls and get_setting("uploads_download_remote_images"):
        jobs.enqueue(JOB, {"post_id": post.id, "urls": list(urls[:MAX_IMAGES_PER_POST])})


def download_for_post(payload: dict[str, Any], recook: Any) -> int:
    """The job: download what is missing, then ``recook(post)``; how many images were stored."""
    post = db.session.get(Post, int(payload["post_id"]))
    if post is None or not get_setting("uploads_download_remote_images"):
        return 0
    stored = 0
    for url in payload.get("urls", [])[:MAX_IMAGES_PER_POST]:
        digest = url_hash(url)
        if db.session.scalar(select(Upload.id).where(Upload.source_url_hash == digest,
                                                     Upload.collected_at.is_(None))) is not None:
            continue
        try:
            _download(url, digest)
            stored += 1
        except (outbound.RemoteFetchRefused, ValidationFailed) as exc:
            log.info("remote image not hosted: %s (%s)", url, getattr(exc, "code", exc))
    if stored:
        recook(post)
    return stored


def _download(url: str, digest: str) -> None:
    config = current_app.config
    agent = bot_user_agent()
    fetched = outbound.fetch(url, max_bytes=int(get_setting("uploads_max_file_mb") or 8) * 1024 * 1024,
                             accept_content_types=("image/",), user_agent=agent,
                             address_allowed=config.get("UPLOADS_REMOTE_ADDRESS_ALLOWED") or outbound.address_is_public,
                             allowed_ports=frozenset(config.get("UPLOADS_REMOTE_PORTS") or (80, 443)))
    name = url.rsplit("/", 1)[-1].split("?", 1)[0][:100] or "image"
    store_image(None, name, fetched.data, source_url_hash=digest)  # the decoding slot and limits of any upload
