"""The demo community's photos: a member's picture of a problem, in a support topic, so the
Quickstart shows an image in a post and a thumbnail in the topic list."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from forum.discussions import services as discussions
from forum.discussions.models import Category, Topic
from forum.extensions import db

from . import services

LEAKING_MOKA = "La Moka Pro 3 perde acqua"


def load_demo_photos(people: dict[str, Any]) -> None:
    """A :class:`forum.interfaces.DemoLoader` (forum.demo calls it inside a request context)."""
    author = people.get("marco")
    topic = db.session.scalar(select(Topic).where(Topic.title.startswith(LEAKING_MOKA)))
    if author is None:
        return
    photo = services.accept_upload(author, "guarnizione.png", _drawing()).upload
    if topic is not None:  # Marco's own support question: he shows the gasket
        discussions.create_reply(author, topic, "Ecco la guarnizione dopo due anni: si vede la crepa in basso a "
                                                "destra.\n\n" + services.markdown_for(photo))
        return
    category = db.session.scalar(select(Category).order_by(Category.position))
    if category is not None:
        discussions.create_topic(author, category, LEAKING_MOKA,
                                 "Ecco la guarnizione dopo due anni.\n\n" + services.markdown_for(photo))


def _drawing() -> bytes:
    """A simple picture of a worn gasket (drawn, so the demo ships no image file)."""
    picture = Image.new("RGB", (960, 720), (236, 229, 216))
    pen = ImageDraw.Draw(picture)
    pen.ellipse((180, 60, 780, 660), fill=(60, 60, 64))            # the gasket
    pen.ellipse((300, 180, 660, 540), fill=(236, 229, 216))         # its hole
    pen.ellipse((330, 210, 630, 510), fill=(178, 178, 184))         # the filter plate
    for x in range(360, 620, 40):
        for y in range(240, 500, 40):
            pen.ellipse((x, y, x + 10, y + 10), fill=(120, 120, 126))  # its holes
    pen.arc((200, 80, 760, 640), 20, 70, fill=(196, 120, 60), width=18)  # the worn, cracked part
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()
