"""How staff actions read in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db

from .models import StaffGroup


def group_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(StaffGroup.id, StaffGroup.name).where(StaffGroup.id.in_(ids)))
    return {group_id: TargetName(name, url_for("staff.group_form", group_id=group_id)) for group_id, name in rows}


VOCABULARY = AuditVocabulary(
    actions={
        "staff_group.create": _l("Created a staff group"),
        "staff_group.update": _l("Changed a staff group"),
        "staff_group.delete": _l("Deleted a staff group"),
        "staff.member_add": _l("Added a member to a staff group"),
        "staff.member_remove": _l("Removed a member from a staff group"),
        "expert_badge.grant": _l("Gave an expert badge"),
        "expert_badge.revoke": _l("Took back an expert badge"),
        "topic.solution_mark": _l("Marked an accepted answer"),
        "topic.solution_unmark": _l("Unmarked an accepted answer"),
    },
    targets={"staff_group": group_names},
    target_labels={"staff_group": _l("staff group")},
    fields={"group": _l("Group"), "primary": _l("Primary badge"), "label": _l("Label"), "name": _l("Name"),
            "color": _l("Colour"), "icon": _l("Icon"), "default_title": _l("Default title"),
            "position": _l("Position"), "solution_post_id": _l("Accepted answer")},
    id_fields={"solution_post_id": "post"},
)
