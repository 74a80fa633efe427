"""How tag actions read in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db
from forum.i18n_content import translated

from .models import Tag, TagGroup


def tag_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(ids)))
    return {tag_id: TargetName(name, url_for("tags.tag_page", slug=name)) for tag_id, name in rows}


def group_names(ids: Collection[int]) -> dict[int, TargetName]:
    groups = db.session.scalars(select(TagGroup).where(TagGroup.id.in_(ids)))
    return {g.id: TargetName(translated(g, "name"), url_for("tags.admin_index")) for g in groups}


VOCABULARY = AuditVocabulary(
    actions={
        "topic.tags": _l("Changed a topic's tags"),
        "tag.create": _l("Created a tag"),
        "tag.update": _l("Changed a tag"),
        "tag.merge": _l("Merged a tag into another"),
        "tag.delete": _l("Deleted a tag"),
        "tag_group.create": _l("Created a tag group"),
        "tag_group.update": _l("Changed a tag group"),
        "tag_group.delete": _l("Deleted a tag group"),
        "category.tag_rules": _l("Changed a category's tag rules"),
        "tag.settings": _l("Changed the tag settings"),
    },
    targets={"tag": tag_names, "tag_group": group_names},
    target_labels={"tag": _l("tag"), "tag_group": _l("tag group")},
    fields={
        "tags": _l("Tags"), "name": _l("Name"), "synonym_of": _l("Synonym of"), "into": _l("Merged into"),
        "topics": _l("Topics"), "groups": _l("Groups"), "min_tags": _l("Tags required"),
        "required_group_id": _l("From group"), "allowed_group_ids": _l("Allowed groups"), "position": _l("Position"),
        "max_per_topic": _l("Tags per topic, at most"),
        "create_min_trust_level": _l("Members create tags from trust level"),
    },
)
