"""The Quickstart demo's tags: products and firmware versions, their groups named in Italian and
French too, on the demo's support topics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.discussions.models import Topic
from forum.extensions import db

from . import services
from .models import Tag, TagGroup, TagGroupMember

GROUPS = [
    ("Product", {"it": {"name": "Prodotto"}, "fr": {"name": "Produit"}}, ["moka-pro", "moka-classic", "grinder-x"]),
    ("Firmware version", {"it": {"name": "Versione firmware"}, "fr": {"name": "Version du micrologiciel"}},
     ["firmware-2-0", "firmware-2-1"]),
]
# Demo topic title (start) -> its tags.
TOPIC_TAGS = {
    "La Moka Pro 3 perde acqua": "moka-pro, firmware-2-1",
    "Quelle mouture pour la cafetière": "moka-classic, grinder-x",
    "Induction hob: which adapter?": "moka-pro",
}


def load_demo_tags(people: dict[str, Any]) -> None:
    """Tags, groups and a synonym (``mokapro`` → ``moka-pro``), then the tags on demo topics."""
    if db.session.scalar(select(Tag.id).limit(1)) is not None:
        return
    for position, (name, translations, tag_names) in enumerate(GROUPS):
        group = TagGroup(name=name, translations=translations, position=position)
        db.session.add(group)
        db.session.flush()
        for tag_name in tag_names:
            tag = Tag(name=tag_name, description="", topic_count=0)
            db.session.add(tag)
            db.session.flush()
            db.session.add(TagGroupMember(group_id=group.id, tag_id=tag.id))
    db.session.flush()
    target = services.get_by_name("moka-pro")
    db.session.add(Tag(name="mokapro", description="", topic_count=0, target_id=target.id if target else None))
    db.session.flush()
    staff = people.get("giulia")
    for start, typed in TOPIC_TAGS.items():
        topic = db.session.scalar(select(Topic).where(Topic.title.startswith(start)).limit(1))
        if topic is not None:
            services.write_topic_tags(staff, topic, typed)
    db.session.commit()
