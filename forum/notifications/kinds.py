"""Notification kinds: what each notice says, rendered when it is read, not when it is created.

A notification row stores its kind's name and the kind's parameters (JSON); the sentence is
produced by the kind's ``message`` renderer in whatever language and time zone are current
(the reader's page, or the recipient's mail: :func:`forum.notifications.rendering.reading_as`).
So a member who switches language reads every old notice in the new one.

Each domain registers its own kinds from its ``init_app`` (:func:`register_kinds`); there is
no central list that every domain edits. Registering a name twice is a start-up error;
notifying with a name nobody registered is a programming error (:class:`UnknownNotificationKind`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

_KEY = "forum.notification_kinds"
MAX_NAME = 40  # notifications.kind is String(40)

# The notifications page's filters by family (NotificationKind.family).
MENTION, REPLY = "mention", "reply"
FAMILIES = (MENTION, REPLY)

# What a renderer receives: the parameters stored with the notification (JSON values only).
Params = Mapping[str, Any]


class UnknownNotificationKind(LookupError):
    """No domain registered this kind (a typo, or the kind's domain did not start)."""


class Delivery:
    """How a member hears of one kind of notice (their preference per kind, else the kind's)."""

    APP = "app"                # in the app only (the bell)
    EMAIL = "email"            # ... and by mail at once
    EMAIL_AWAY = "email_away"  # ... and by mail if they have not been on the site for a while
    NEVER = "never"            # not at all
    ALL = (APP, EMAIL, EMAIL_AWAY, NEVER)


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notice.

    ``message(params)`` renders the sentence in the CURRENT locale and time zone (never bind a
    language at creation). ``subject(params)`` renders the mail subject; ``None`` means the
    kind is never mailed. Renderers are functions of ``params`` and of what is cached for the
    request (settings): never a query per notice (the page renders a list from one query).

    ``default_delivery`` is what a member gets until they choose (:class:`Delivery`; without a
    subject, at most ``app``). ``label`` names the kind on the preferences page (a lazy
    translation); kinds without one are not offered there (always delivered as their default:
    moderation notices a member must read). ``transactional`` kinds are about the member's own
    account (sanctions, applications): never in digests, no unsubscribe link.

    ``family`` files the kind under a filter of the notifications page (:data:`FAMILIES`:
    ``"mention"`` — someone named or quoted the member — or ``"reply"``); "" for neither.
    ``grouped(count, params)``: how the bell's menu says several unread notices of this kind
    about one topic in one line ("3 new replies in “Topic”", rendered with the newest notice's
    params); None: each notice keeps its own line (mentions, likes already merged per post).
    ``audience(user)``: whether ``user`` can ever get this kind (the preferences page and the
    notifications page's filter offer it only to them: a member is not asked about mentions of
    staff groups); None: everyone.

    ``private`` kinds are about a private conversation: never counted or shown in a summary
    mail (:mod:`.digests`), whatever the member's preferences.
    """

    name: str
    message: Callable[[Params], str]
    subject: Callable[[Params], str] | None = None
    default_delivery: str = ""  # "": EMAIL when there is a subject, else APP (the behaviour before)
    label: Any = None
    transactional: bool = False
    family: str = ""
    grouped: Callable[[int, Params], str] | None = None
    audience: Callable[[Any], bool] | None = None
    private: bool = False

    @property
    def delivery(self) -> str:
        if self.default_delivery:
            return self.default_delivery
        return Delivery.EMAIL if self.subject is not None else Delivery.APP

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > MAX_NAME:
            raise ValueError(f"a notification kind's name has 1 to {MAX_NAME} characters: {self.name!r}")
        if self.default_delivery and self.default_delivery not in Delivery.ALL:
            raise ValueError(f"unknown delivery {self.default_delivery!r} for {self.name!r}")
        if self.family and self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r} for {self.name!r}")


def _kinds(app: Flask) -> dict[str, NotificationKind]:
    return app.extensions.setdefault(_KEY, {})  # type: ignore[no-any-return]


def register_kinds(app: Flask, *kinds: NotificationKind) -> None:
    """Register a domain's kinds (from its ``init_app``)."""
    known = _kinds(app)
    for kind in kinds:
        if kind.name in known:
            raise RuntimeError(f"notification kind {kind.name!r} is already registered")
        known[kind.name] = kind


def find_kind(name: str, app: Flask | None = None) -> NotificationKind | None:
    """The registered kind, or None (a stored row whose domain or plugin is gone)."""
    return _kinds(app or current_app).get(name)


def get_kind(kind: str | NotificationKind, app: Flask | None = None) -> NotificationKind:
    """The registered kind for a name (or a kind object); unknown names raise."""
    name = kind.name if isinstance(kind, NotificationKind) else kind
    found = find_kind(name, app)
    if found is None:
        raise UnknownNotificationKind(f"no notification kind {name!r} was registered")
    return found


def registered_kinds(app: Flask | None = None) -> list[NotificationKind]:
    """Every registered kind, in registration order (a copy)."""
    return list(_kinds(app or current_app).values())
