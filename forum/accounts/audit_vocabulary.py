"""How accounts' things read in the audit log: members by their names."""

from __future__ import annotations

from collections.abc import Collection

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db

from .models import User


def member_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids)))
    return {user_id: TargetName(f"{display or username} (@{username})",
                                url_for("accounts.profile", username=username))
            for user_id, username, display in rows}


def coc_names(versions: Collection[int]) -> dict[int, TargetName]:
    return {version: TargetName(_("Code of conduct, version %(n)d", n=version),
                                url_for("admin.coc_acceptances", version=version)) for version in versions}


VOCABULARY = AuditVocabulary(
    actions={"coc.publish": _l("Published the code of conduct")},
    targets={"user": member_names, "coc": coc_names},
    target_labels={"user": _l("member"), "coc": _l("code of conduct")},
    fields={"role": _l("Role"), "bio": _l("Profile text"), "summary": _l("Summary of changes"),
            "languages": _l("Languages")},
)
