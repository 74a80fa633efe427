"""How moderation's actions read in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db

from .models import RegistrationBan, ReviewItem


def ban_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(RegistrationBan.id, RegistrationBan.value).where(RegistrationBan.id.in_(ids)))
    return {ban_id: TargetName(value) for ban_id, value in rows}


def review_item_names(ids: Collection[int]) -> dict[int, TargetName]:
    labels = {"topic": _l("new topic"), "reply": _l("reply"), "flag": _l("flagged post"),
              "member": _l("application"), "event": _l("meetup"), "profile": _l("profile text")}
    rows = db.session.execute(select(ReviewItem.id, ReviewItem.kind).where(ReviewItem.id.in_(ids)))
    return {item_id: TargetName(f"{labels.get(kind, kind)} #{item_id}") for item_id, kind in rows}


VOCABULARY = AuditVocabulary(
    actions={
        "post.hide": _l("Hid a post"),
        "post.restore": _l("Restored a post"),
        "post.delete": _l("Removed a post"),
        "post.approve": _l("Approved a post"),
        "post.reject": _l("Did not approve a post"),
        "post.resubmit": _l("Sent a post for review again"),
        "flag.agreed": _l("Agreed with flags"),
        "flag.disagreed": _l("Disagreed with flags"),
        "flag.ignored": _l("Ignored flags"),
        "review.claim": _l("Claimed a review item"),
        "review.release": _l("Released a review item"),
        "user.approve": _l("Approved a membership"),
        "user.reject": _l("Refused a membership"),
        "user.warn": _l("Warned a member"),
        "user.acknowledge_warning": _l("Acknowledged a warning"),
        "user.silence": _l("Made a member read-only"),
        "user.unsilence": _l("Lifted a read-only period"),
        "user.suspend": _l("Suspended a member"),
        "user.unsuspend": _l("Lifted a suspension"),
        "user.note": _l("Added a staff note"),
        "user.role": _l("Changed a member's role"),
        "profile.approve": _l("Approved a profile text"),
        "profile.reject": _l("Did not approve a profile text"),
        "ban.add": _l("Banned registrations"),
        "ban.lift": _l("Lifted a registration ban"),
        "settings.moderation": _l("Changed the moderation settings"),
    },
    targets={"ban": ban_names, "review_item": review_item_names},
    target_labels={"ban": _l("registration ban"), "review_item": _l("review item"), "settings": _l("settings")},
    fields={
        "membership": _l("Membership"), "approved_at": _l("Approved"), "silenced_until": _l("Read-only until"),
        "suspended_until": _l("Suspended until"), "claimed_until": _l("Claimed until"), "item": _l("Review item"),
        "flags": _l("Flags"), "sanction": _l("Sanction"), "note": _l("Note"), "kind": _l("Kind"),
        "value": _l("Value"), "approve_members": _l("Approve new members"),
        "first_posts_need_approval": _l("First posts to approve"), "flags_to_hide": _l("Flags to hide a post"),
        "flag_reasons": _l("Flag reasons"), "rejection_reasons": _l("Rejection reasons"),
        "application_questions": _l("Application questions"), "claim_minutes": _l("Claim minutes"),
    },
    id_fields={"item": "review_item"},
)
