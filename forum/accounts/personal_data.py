"""What accounts keeps about a member, for their data export and erasure (forum.privacy walks
the :class:`~forum.accounts.interfaces.PersonalData` contributions).

Three sections: the profile (one row), the code of conduct versions accepted, and the sign-in
sessions ("devices"). The user row itself is anonymised by the erasure's last step, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum.extensions import db
from forum.ip_addresses import purge_addresses

from .models import AuthSession, CodeOfConductAcceptance, IgnoredUser, User


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Profile:
    name = "profile"
    description = _l("Your profile: names, email address, language, time zone, counts.")

    def export(self, user: User) -> list[dict[str, Any]]:
        return [{
            "id": user.id, "username": user.username, "display_name": user.display_name, "email": user.email,
            "email_verified_at": iso(user.email_verified_at), "role": user.role, "membership": user.membership,
            "created_at": iso(user.created_at), "last_seen_at": iso(user.last_seen_at), "bio": user.bio,
            "locale": user.locale, "timezone": user.timezone, "color_scheme": user.color_scheme,
            "title": user.title, "has_avatar": bool(user.avatar_token), "digest": user.digest,
            "topic_count": user.topic_count, "post_count": user.post_count,
            "likes_given": user.likes_given, "likes_received": user.likes_received,
        }]

    def erase(self, user: User, *, remove_content: bool) -> None:
        # The user row is anonymised last, by the erasure itself; the member's own lists go here.
        db.session.execute(delete(IgnoredUser).where(IgnoredUser.user_id == user.id))


class CodeOfConductConsents:
    name = "code_of_conduct"
    description = _l("Each version of the code of conduct you accepted, when and in which language.")

    def export(self, user: User) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(CodeOfConductAcceptance).where(CodeOfConductAcceptance.user_id == user.id)
                                  .order_by(CodeOfConductAcceptance.accepted_at))
        return [{"version": r.coc_version, "accepted_at": iso(r.accepted_at), "language": r.language} for r in rows]

    def erase(self, user: User, *, remove_content: bool) -> None:
        db.session.execute(delete(CodeOfConductAcceptance).where(CodeOfConductAcceptance.user_id == user.id))


class SignIns:
    name = "sign_ins"
    description = _l("Your signed-in devices: browser, address, when they started and were last used.")

    def export(self, user: User) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)
                                  .order_by(AuthSession.created_at))
        return [{"started_at": iso(r.created_at), "last_seen_at": iso(r.last_seen_at), "expires_at": iso(r.expires_at),
                 "device": r.user_agent.replace("|", " / ").strip(" /"), "ip": r.ip, "remember": r.remember,
                 "ended_at": iso(r.revoked_at)} for r in rows]

    def erase(self, user: User, *, remove_content: bool) -> None:
        # Every device is signed out and forgotten: with the rows go their IPs and user agents.
        db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


class SessionAddresses:
    """Sign-in sessions keep the address they started from (shown on the devices list)."""

    def purge_addresses(self, before: datetime, *, truncate: bool) -> int:
        table = AuthSession.__table__
        return purge_addresses(table, table.c.ip, table.c.created_at, before, truncate=truncate)


SECTIONS = (Profile(), CodeOfConductConsents(), SignIns())
