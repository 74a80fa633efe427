"""Members, roles and the code of conduct they accept."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, or_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db
from forum.text import lookalike_skeleton

from . import trust


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


ROLE_RANK = {Role.MEMBER: 0, Role.MODERATOR: 1, Role.ADMIN: 2}

# A suspension without end is stored as a far-future date, so every check stays a comparison.
PERMANENT = datetime(9999, 12, 31, tzinfo=UTC)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


def _username_skeleton(context: Any) -> str | None:
    username = context.get_current_parameters().get("username")
    return lookalike_skeleton(username) if username else None


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # NFKC + casefold + confusables folded: two names that look alike share one canonical form.
    username_canonical: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_canonical: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last_seen_at of before the current visit (forum.accounts.visits): /new starts there.
    previous_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # What the browser last asked for (forum.accounts.visits): mail for members who keep the
    # browser's language or zone (locale / timezone None) is written in these.
    browser_locale: Mapped[str | None] = mapped_column(String(8))
    browser_timezone: Mapped[str | None] = mapped_column(String(64))
    # The token of the member's uploaded picture (forum.uploads); None: the letter avatar.
    avatar_token: Mapped[str | None] = mapped_column(String(40))
    # "light" / "dark"; None follows the device (prefers-color-scheme).
    color_scheme: Mapped[str | None] = mapped_column(String(8))
    # Per notification kind: "app" / "email" / "email_away" / "never" (unset: the kind's default),
    # and the member's defaults for watching what they start or reply to.
    notification_prefs: Mapped[dict] = mapped_column(JSON, default=dict)  # type: ignore[type-arg]
    # Summary mail: "daily" / "weekly" / "never"; None: the community's default.
    digest: Mapped[str | None] = mapped_column(String(8))
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    likes_given: Mapped[int] = mapped_column(default=0)
    likes_received: Mapped[int] = mapped_column(default=0)
    bio: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    # Rotated on password change: it is part of the login id, so other sessions and
    # "remember me" cookies stop working at once.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # Highest code-of-conduct version accepted; denormalised so every page can show the
    # re-acceptance banner without a query.
    accepted_coc_version: Mapped[int] = mapped_column(default=0)
    topic_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    # Moderation state (issue: moderation). Null means "not sanctioned".
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The membership application's outcome: "open" (none needed, or approved), "pending",
    # "rejected" (see accounts.states.Membership). Stored so every permission knows a
    # member's state from this row alone, without asking the review queue.
    membership: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    # An official warning waits for the member's acknowledgement (moderation); denormalised so
    # every page can show the banner without a query.
    warning_pending: Mapped[bool] = mapped_column(default=False)
    # Staff identity (issue: staff). True when the member belongs to at least one staff group.
    is_staff_member: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str | None] = mapped_column(String(64))
    signature_initials: Mapped[str | None] = mapped_column(String(8))
    # What the name looks like (forum.text.lookalike_skeleton), to refuse "dem0-admin" next to
    # "demo-admin". Not unique, unlike username_canonical: names that already look alike must
    # survive the migration that fills it; new ones are refused at validation. Filled from
    # ``username`` on every insert (the seeder's bulk inserts too).
    username_skeleton: Mapped[str | None] = mapped_column(String(64), index=True, default=_username_skeleton)
    # Trust levels (forum.accounts.trust; forum.members recomputes them and the counters below).
    trust_level: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    # Staff set the level by hand, or a demotion holds it (until ..._until; None: until staff unlock).
    trust_level_locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    trust_level_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Activity the levels are earned with, recomputed by forum.members' periodic job.
    days_visited: Mapped[int] = mapped_column(default=0, server_default="0")
    visit_counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last visit counted in days_visited
    posts_read: Mapped[int] = mapped_column(default=0, server_default="0")
    topics_entered: Mapped[int] = mapped_column(default=0, server_default="0")
    flags_agreed: Mapped[int] = mapped_column(default=0, server_default="0")
    # The member's choice: listed in the member directory (/members) or not.
    show_in_directory: Mapped[bool] = mapped_column(default=True, server_default=true())

    __table_args__ = (Index("ix_users_created_at", "created_at"),
                      # The member directory's sorts (forum.members.directory): keyset pages by count.
                      Index("ix_users_post_count_id", "post_count", "id"),
                      Index("ix_users_likes_received_id", "likes_received", "id"),
                      Index("ix_users_last_seen_at_id", "last_seen_at", "id"))

    def get_id(self) -> str:
        # The member's token rotates when the password changes (every remember-me cookie made
        # before stops working). Rate limits key on the id alone: forum.extensions.per_member.
        return f"{self.id}:{self.session_token}"

    def get_login_id(self) -> str:
        """What Flask-Login stores (session and remember-me cookie): the sign-in session's
        token (accounts.sessions sets ``login_token`` when the browser signs in or is loaded)."""
        return f"{self.id}:{getattr(self, 'login_token', '')}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_new_by_trust(self) -> bool | None:
        """The trust level's say in the shared "new member" test (forum.accounts.trust.newness)."""
        return trust.newness(self)

    def cap_role(self, role: Role) -> None:
        """Act, for the rest of this request, with at most ``role``: an API key without the
        ``moderation`` or ``admin`` scope carries a moderator's or an admin's account, not
        their powers (forum.api.keys). Kept on this loaded instance only, never stored."""
        self._role_cap = role

    @property
    def acting_role(self) -> Role:
        """The role every permission check reads: the member's, or less under :meth:`cap_role`."""
        role = Role(self.role)
        cap: Role | None = getattr(self, "_role_cap", None)
        return cap if cap is not None and ROLE_RANK[cap] < ROLE_RANK[role] else role

    @property
    def is_admin(self) -> bool:
        return self.acting_role == Role.ADMIN

    @property
    def is_moderator(self) -> bool:
        """Moderators and admins: people who run the community."""
        return self.acting_role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_staff(self) -> bool:
        """Anyone who speaks for the brand: moderators, admins and staff-group members. Their
        real role, even under :meth:`cap_role`: reading the staff rooms and answering for the
        brand are not moderation powers."""
        return Role(self.role) in (Role.MODERATOR, Role.ADMIN) or self.is_staff_member

    @property
    def rank(self) -> int:
        return ROLE_RANK[self.acting_role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


def staff_clause() -> Any:
    """``User.is_staff`` in SQL (same rule: a moderator's or an admin's role, or a staff-group
    member), for queries that select or filter staff; tests/members/test_member_state_sql.py
    keeps the two equal."""
    return or_(User.role.in_([Role.MODERATOR.value, Role.ADMIN.value]), User.is_staff_member == true())


class AnonymousUser(AnonymousUserMixin):
    id = None
    username = ""
    display_name = ""
    role = None
    is_verified = False
    is_admin = False
    is_moderator = False
    is_staff = False
    is_staff_member = False
    accepted_coc_version = 0
    locale = None
    timezone = None
    color_scheme = None
    rank = -1


class CodeOfConduct(db.Model):  # type: ignore[name-defined,misc]
    """One published version of the code of conduct. Versions are never edited in place."""

    __tablename__ = "codes_of_conduct"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Other community languages: {"it": {"body": ..., "body_html": ..., "summary": ...}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict)  # type: ignore[type-arg]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    published_by: Mapped[User | None] = relationship()


class CodeOfConductAcceptance(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "coc_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    coc_version: Mapped[int] = mapped_column(ForeignKey("codes_of_conduct.version"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language of the text the member read and accepted (None: before translations).
    language: Mapped[str | None] = mapped_column(String(8))

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "coc_version"),
        Index("ix_coc_acceptances_version", "coc_version", "accepted_at"),
    )


class IgnoredUser(db.Model):  # type: ignore[name-defined,misc]
    """``user_id`` does not want to read ``ignored_user_id``: their posts collapse (a member's own
    preference, not moderation: removing it deletes the row)."""

    __tablename__ = "ignored_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ignored_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "ignored_user_id", name="uq_ignored_users"),)


class AuthSession(db.Model):  # type: ignore[name-defined,misc]
    """One signed-in browser (a "device"). The login id in Flask-Login's session and in the
    remember-me cookie carries this row's random token; only its hash is stored, so a copy of
    the table signs nobody in. Signing out revokes the row: copied cookies stop working."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "Firefox on Linux": a summary, not the whole header (enough to recognise a device).
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    remember: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountThrottle(db.Model):  # type: ignore[name-defined,misc]
    """A fixed-window counter per account (failed sign-ins, reset mails), in the database so
    every worker sees the same count. ``key`` is an HMAC of what was counted (never the typed
    identifier itself: people type passwords into the username box)."""

    __tablename__ = "account_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
