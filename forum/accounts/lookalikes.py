"""Names that impersonate: a new username must not look like a taken or a reserved one, and a
display name must not look like a staff member's name or the team's words.

"Looks like" is :func:`forum.text.lookalike_skeleton` (NFKD, marks stripped, digit and
Cyrillic/Greek lookalikes folded, separators ignored). ``username_canonical`` keeps its
older, looser meaning (it is unique and every lookup uses it, and existing members whose
names look alike must keep working); the skeleton is stored beside it in
``users.username_skeleton`` (filled by migration 0003 and on every insert) so the check is
one indexed query, and it only ever refuses *new* names.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from forum.errors import ValidationFailed
from forum.extensions import db
from forum.settings import get_setting
from forum.text import lookalike_skeleton

from .models import Role, User

RESERVED_USERNAMES = frozenset({
    "admin", "administrator", "moderator", "mod", "staff", "support", "system", "root",
    "circolo", "official", "team", "help", "about", "login", "logout", "register", "new",
    "settings", "anonymous", "nobody", "null", "undefined", "webmaster", "postmaster", "security",
})
# The words that speak for the community: no member's display name may read as one of them
# (alone or with the community's name), unless the member is staff.
TEAM_WORDS = ("admin", "administrator", "moderator", "mod", "staff", "support", "system", "team", "official")


def community_name() -> str:
    return str(get_setting("community_name") or current_app.config["COMMUNITY_NAME"])


def looks_reserved(username: str) -> bool:
    """"adm1n", "m0derator", "Circo1o": reserved words and the community's name, as they look."""
    skeleton = lookalike_skeleton(username)
    reserved = {lookalike_skeleton(word) for word in RESERVED_USERNAMES} | {lookalike_skeleton(community_name())}
    return skeleton in reserved


def looks_taken(username: str) -> bool:
    """Whether a member's username already looks like ``username`` ("giuIia" and "giulia")."""
    skeleton = lookalike_skeleton(username)
    return bool(skeleton) and db.session.scalar(
        select(User.id).where(User.username_skeleton == skeleton).limit(1)) is not None


def check_display_name(display_name: str, user: Any = None) -> None:
    """Refuse a display name that reads as a staff member's name or username (unless it is
    theirs) or as the team's words. ``user`` is the member choosing it (None when joining)."""
    if user is not None and getattr(user, "is_staff", False):
        return  # staff may call themselves "Admin": it is true
    skeleton = lookalike_skeleton(display_name)
    if not skeleton:
        return
    community = lookalike_skeleton(community_name())
    words = {lookalike_skeleton(w) for w in TEAM_WORDS}
    if skeleton in words | {community} | {community + w for w in words} | {w + community for w in words}:
        raise ValidationFailed({"display_name": _("This display name is reserved for the team. Please choose "
                                                  "another one.")})
    me = getattr(user, "id", None)
    staff = db.session.execute(select(User.id, User.username, User.display_name).where(
        or_(User.role.in_((Role.MODERATOR, Role.ADMIN)), User.is_staff_member.is_(True))))
    for staff_id, username, staff_display in staff:
        if staff_id != me and skeleton in (lookalike_skeleton(username), lookalike_skeleton(staff_display or "")):
            raise ValidationFailed({"display_name": _("This display name looks too much like the name of a "
                                                      "member of the team. Please choose another one.")})
