"""What moderation tells members: its notification kinds (registered from moderation's
``init_app``), rendered when read, in the reader's language and time zone.

Parameters hold facts (a topic title, the moderator's reason, an ISO time), never a sentence.
A canned rejection reason is stored as its key plus the moderator's note, so it too is read in
the reader's language (a built-in's translation, or the admin's translation of their own
wording: :func:`.labels.entry_label`); the text the author read at the time is kept as well,
for a reason the admin has since removed from the list.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from forum.notifications import NotificationKind, format_instant
from forum.notifications.kinds import Params

from .common import clean
from .labels import REJECTION_REASONS, entry_label, reason_keys


def _title(p: Params) -> str:
    return str(p["title"])


def rejection_params(reason: str, reason_key: str, text: str) -> dict[str, Any]:
    """The parameters of a rejection reason that :func:`.labels.rejection_text` resolved to
    ``reason`` (the text the author reads now, kept as the fallback)."""
    if reason_key in reason_keys("rejection_reasons"):  # a canned reason, as rejection_text decides
        return {"reason": reason, "reason_key": reason_key, "note": clean(text)}
    return {"reason": reason}


def _reason(p: Params) -> str:
    """The reason in the reader's language when it is a canned one (composed as rejection_text does)."""
    key = p.get("reason_key")
    if isinstance(key, str) and (key in REJECTION_REASONS or key in reason_keys("rejection_reasons")):
        locale = get_locale()  # the reader's, or the recipient's inside reading_as()
        canned = entry_label("rejection_reasons", key, str(locale) if locale else None)
        note = str(p.get("note") or "")
        return f"{canned} {note}".strip()
    return str(p.get("reason") or "")


# --- posts ---------------------------------------------------------------------------------------

def _post_hidden(p: Params) -> str:
    if p.get("by_flags"):
        return _("Your post in “%(title)s” was hidden after flags from the community, until a moderator "
                 "reviews it.", title=_title(p))
    return _("Your post in “%(title)s” was hidden by the moderators: %(reason)s", title=_title(p),
             reason=p["reason"])


def _post_removed(p: Params) -> str:
    return _("Your post in “%(title)s” was removed by a moderator: %(reason)s", title=_title(p),
             reason=p["reason"])


def _post_approved(p: Params) -> str:
    if p.get("topic"):  # the topic's first post: the whole topic was held
        if p.get("edited"):
            return _("A moderator edited and approved your topic “%(title)s”.", title=_title(p))
        return _("Your topic “%(title)s” was approved.", title=_title(p))
    if p.get("edited"):
        return _("A moderator edited and approved your post in “%(title)s”.", title=_title(p))
    return _("Your post in “%(title)s” was approved.", title=_title(p))


def _post_rejected(p: Params) -> str:
    return _("Your post in “%(title)s” was not approved: %(reason)s Your text is kept: you can edit it and "
             "submit it again.", title=_title(p), reason=_reason(p))


def _flag_outcome(p: Params) -> str:
    outcome = p["outcome"]
    if outcome == "agreed":
        return _("Thanks: the moderators agreed with your flag on “%(title)s” and acted on it.", title=_title(p))
    if outcome == "disagreed":
        return _("The moderators reviewed your flag on “%(title)s” and decided the post can stay.",
                 title=_title(p))
    if outcome == "ignored":
        return _("The moderators reviewed your flag on “%(title)s” and took no action.", title=_title(p))
    raise ValueError(f"unknown flag outcome {outcome!r}")


# --- members: applications and profile text ------------------------------------------------------

def _application_rejected(p: Params) -> str:
    reason = _reason(p)
    if reason:
        return _("Your membership application was not accepted: %(reason)s", reason=reason)
    return _("Your membership application was not accepted.")


def _profile_rejected(p: Params) -> str:
    return _("Your profile text was not approved: %(reason)s Your text is kept in your settings: you can "
             "edit it.", reason=_reason(p))


# --- sanctions -------------------------------------------------------------------------------------

def _silenced(p: Params) -> str:
    return _("Your account is read-only until %(date)s: %(reason)s", date=format_instant(p["until"]),
             reason=p["reason"])


def _suspended(p: Params) -> str:
    if p.get("until"):
        return _("Your account is suspended until %(date)s: %(reason)s", date=format_instant(p["until"]),
                 reason=p["reason"])
    return _("Your account is suspended: %(reason)s", reason=p["reason"])


POST_HIDDEN = NotificationKind("post_hidden", _post_hidden)
POST_REMOVED = NotificationKind("post_removed", _post_removed)
POST_APPROVED = NotificationKind("post_approved", _post_approved)
POST_REJECTED = NotificationKind("post_rejected", _post_rejected)
FLAG_OUTCOME = NotificationKind("flag_outcome", _flag_outcome)
APPLICATION_APPROVED = NotificationKind(
    "application_approved", lambda p: _("Welcome! Your membership was approved: you can post now."),
    lambda p: _("Your membership was approved"))
APPLICATION_REJECTED = NotificationKind("application_rejected", _application_rejected,
                                        lambda p: _("About your membership application"))
PROFILE_REJECTED = NotificationKind("profile_rejected", _profile_rejected)
WARNING = NotificationKind(
    "warning", lambda p: _("You received an official warning from the moderators: %(reason)s", reason=p["reason"]),
    lambda p: _("An official warning from the moderators"))
SILENCED = NotificationKind("silenced", _silenced)  # in-app: they can still sign in and read it
SUSPENDED = NotificationKind("suspended", _suspended, lambda p: _("Your account was suspended"))
UNSILENCED = NotificationKind("unsilenced", lambda p: _("You can post again."))
UNSUSPENDED = NotificationKind("unsuspended", lambda p: _("Your suspension was lifted: welcome back."),
                               lambda p: _("Your suspension was lifted"))

KINDS = (POST_HIDDEN, POST_REMOVED, POST_APPROVED, POST_REJECTED, FLAG_OUTCOME, APPLICATION_APPROVED,
         APPLICATION_REJECTED, PROFILE_REJECTED, WARNING, SILENCED, SUSPENDED, UNSILENCED, UNSUSPENDED)
