"""How a member hears of each kind of notice: their choice, else the kind's default.

``users.notification_prefs`` (a JSON dict) holds:

* per kind, by the kind's name: a :class:`~.kinds.Delivery` value. A kind the member never
  chose is delivered as the kind says (``NotificationKind.delivery``). Only kinds with a
  ``label`` are offered on the preferences page (and by the unsubscribe page); a stored choice
  for a kind without one is ignored: those are the notices a member must get (moderation).
  A kind with no mail subject is never mailed, whatever is stored;
* ``"email_paused"`` (bool): no mail for any optional kind (:func:`is_optional`) until the
  member turns mail back on; their choices per kind are kept for then;
* ``"auto_watch_created"`` / ``"auto_track_replied"`` (bool, default True): the watching
  defaults, read by :mod:`forum.discussions.watching`.

``users.digest`` is the summary mail: ``daily`` / ``weekly`` / ``never``, None for the
community's default (the ``digest_default`` setting).

"Away" (delivery ``email_away``) means not seen on the site for ``notification_away_minutes``
(a setting) according to ``users.last_seen_at``, which every signed-in device moves at most
every few minutes (:mod:`forum.accounts.visits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from forum.accounts.permissions import can_administer
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting, register_defaults, save_changed

from .kinds import Delivery, NotificationKind, get_kind, registered_kinds

EMAIL_PAUSED = "email_paused"
AUTO_WATCH_CREATED = "auto_watch_created"
AUTO_TRACK_REPLIED = "auto_track_replied"

DAILY, WEEKLY, NEVER = "daily", "weekly", "never"
DIGEST_CHOICES = (DAILY, WEEKLY, NEVER)
MAILED = (Delivery.EMAIL, Delivery.EMAIL_AWAY)

MAX_AWAY_MINUTES = 24 * 60
SETTINGS: dict[str, Any] = {
    "notification_away_minutes": 10,  # "email when away": not seen on the site for this long
    "digest_default": WEEKLY,         # the summary mail of members who never chose
}


def init_app(app: Flask) -> None:
    register_defaults(app, SETTINGS)


def is_optional(kind: NotificationKind) -> bool:
    """A kind the member chooses how to hear of (it has a label) and that is not about their own
    account: its mail carries an unsubscribe link and obeys ``email_paused``."""
    return kind.label is not None and not kind.transactional


def choosable_kinds(user: Any = None) -> list[NotificationKind]:
    """The kinds on the preferences page: every registered kind with a label (that ``user``,
    when given, can ever get: :attr:`NotificationKind.audience`)."""
    return [kind for kind in registered_kinds() if kind.label is not None
            and (user is None or kind.audience is None or kind.audience(user))]


def deliveries_for(kind: NotificationKind) -> tuple[str, ...]:
    """The choices a member has for ``kind`` (no mail for a kind without a subject)."""
    if kind.subject is None:
        return (Delivery.APP, Delivery.NEVER)
    return (Delivery.APP, Delivery.EMAIL, Delivery.EMAIL_AWAY, Delivery.NEVER)


def _prefs(user: Any) -> Mapping[str, Any]:
    prefs = getattr(user, "notification_prefs", None)
    return prefs if isinstance(prefs, Mapping) else {}


def chosen_delivery(user: Any, kind: NotificationKind) -> str:
    """What the member chose for ``kind`` (else its default), before ``email_paused``: what the
    preferences page shows."""
    chosen = _prefs(user).get(kind.name) if kind.label is not None else None
    delivery = chosen if chosen in deliveries_for(kind) else kind.delivery
    if kind.subject is None and delivery in MAILED:
        return Delivery.APP
    return str(delivery)


def delivery_for(user: Any, kind: str | NotificationKind) -> str:
    """``app`` / ``email`` / ``email_away`` / ``never`` for ``user`` and ``kind``."""
    spec = get_kind(kind)
    delivery = chosen_delivery(user, spec)
    if delivery in MAILED and email_paused(user) and is_optional(spec):
        return Delivery.APP
    return delivery


def email_paused(user: Any) -> bool:
    return bool(_prefs(user).get(EMAIL_PAUSED))


def watch_default(user: Any, key: str) -> bool:
    """``auto_watch_created`` / ``auto_track_replied``: on unless the member turned it off."""
    return _prefs(user).get(key, True) is not False


def digest_frequency(user: Any) -> str:
    """``daily`` / ``weekly`` / ``never``: the member's choice, else the community's default."""
    chosen = getattr(user, "digest", None)
    if chosen in DIGEST_CHOICES:
        return str(chosen)
    default = get_setting("digest_default")
    return str(default) if default in DIGEST_CHOICES else WEEKLY


def away_minutes() -> int:
    try:
        return max(0, int(get_setting("notification_away_minutes")))
    except (TypeError, ValueError):
        return int(SETTINGS["notification_away_minutes"])


def away_until(user: Any, now: datetime | None = None) -> datetime | None:
    """None when ``user`` is away now; else the moment they will count as away if they do not
    come back before."""
    now = now or utcnow()
    seen = getattr(user, "last_seen_at", None)
    if seen is None:
        return None
    turns_away = seen + timedelta(minutes=away_minutes())
    return turns_away if turns_away > now else None


def save_preferences(user: Any, deliveries: Mapping[str, str], *, digest: str, email_paused: bool,
                     auto_watch_created: bool, auto_track_replied: bool) -> None:
    """The preferences page's one write (committed). ``deliveries`` maps kind names to choices;
    kinds not offered, and choices a kind does not have, are ignored."""
    prefs = dict(_prefs(user))
    for kind in choosable_kinds(user):
        choice = deliveries.get(kind.name)
        if choice in deliveries_for(kind):
            prefs[kind.name] = choice
    prefs[EMAIL_PAUSED] = bool(email_paused)
    prefs[AUTO_WATCH_CREATED] = bool(auto_watch_created)
    prefs[AUTO_TRACK_REPLIED] = bool(auto_track_replied)
    user.notification_prefs = prefs  # a new dict: the JSON column sees the change
    set_digest(user, digest)
    db.session.commit()


def set_digest(user: Any, digest: str | None) -> None:
    """The member's summary frequency (the caller commits); anything but a known choice changes
    nothing."""
    if digest in DIGEST_CHOICES:
        user.digest = digest


def stop_mail_for_kind(user: Any, kind: NotificationKind) -> None:
    """Unsubscribe from one kind: still in the app, no more mail (the caller commits)."""
    prefs = dict(_prefs(user))
    prefs[kind.name] = Delivery.APP
    user.notification_prefs = prefs


def pause_all_email(user: Any) -> None:
    """Unsubscribe from everything optional: no notification mail, no summary (the caller commits)."""
    prefs = dict(_prefs(user))
    prefs[EMAIL_PAUSED] = True
    user.notification_prefs = prefs
    set_digest(user, NEVER)


def save_email_settings(admin: Any, *, minutes_away: int, digest_default: str) -> None:
    """An admin's choice of the community's mail settings (audited, committed)."""
    if not can_administer(admin):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if not 1 <= minutes_away <= MAX_AWAY_MINUTES:
        errors["away_minutes"] = _("Between 1 minute and one day (1440 minutes).")
    if digest_default not in DIGEST_CHOICES:
        errors["digest_default"] = _("Choose how often the summary email comes.")
    if errors:
        raise ValidationFailed(errors)
    save_changed(admin, "settings.email",
                 {"notification_away_minutes": minutes_away, "digest_default": digest_default},
                 before={"notification_away_minutes": away_minutes(), "digest_default": digest_frequency(None)})
    db.session.commit()
