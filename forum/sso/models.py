"""External identities: which provider account (issuer's ``sub``) signs in as which member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class ExternalIdentity(db.Model):  # type: ignore[name-defined,misc]
    """One member's account at one configured provider.

    ``provider`` is the provider's id in ``FORUM_OIDC_PROVIDERS`` (not its issuer URL, so an
    issuer that moves keeps its members' links); ``subject`` is the ID token's ``sub``, the only
    claim OpenID Connect promises never changes or is reused. ``email`` is the address the
    provider gave when the link was made (kept for the audit trail and the settings page).
    """

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_external_identities_provider_subject"),
        # One account per provider per member: a second one would make "which account is this
        # member at the brand" ambiguous (and the group sync with it).
        UniqueConstraint("user_id", "provider", name="uq_external_identities_user_provider"),
    )
