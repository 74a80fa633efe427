"""The site banner and read-only mode: two settings, read from the request's cached settings.

Every page shows them (``base.html`` includes ``crisis/_site_notices.html``), so they must
cost nothing: both live in the ``settings`` table (``crisis_banner``, ``crisis_read_only``),
which ``forum.settings`` loads once per request anyway. A banner's text is cooked when the
admin saves it (Markdown through :mod:`forum.markup`, or plain text, escaped), per language;
the page picks the reader's language, else the community's default, else any text there is.

A banner carries a ``version`` that moves with every save: a dismissal (remembered by the
browser, ``crisis.js``) is for one version, so a changed banner shows again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from forum.accounts.permissions import PostingBlock
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.i18n import LOCALE_NAMES
from forum.i18n_content import default_language
from forum.markup import cook
from forum.settings import get_setting, set_setting

from . import permissions

BANNER = "crisis_banner"
READ_ONLY = "crisis_read_only"
SETTINGS: dict[str, Any] = {BANNER: None, READ_ONLY: None}

LEVELS = ("info", "warning", "critical")
FORMATS = ("markdown", "plain")
MAX_BANNER_TEXT = 1000
MAX_READ_ONLY_MESSAGE = 500
READ_ONLY_BLOCK = "read_only"  # the PostingBlock reason while the site is read-only


@dataclass(frozen=True)
class ShownBanner:
    version: int
    level: str
    html: Markup
    language: str
    dismissible: bool

    @property
    def role(self) -> str:
        """Screen readers announce a critical banner at once; the others politely."""
        return "alert" if self.level == "critical" else "status"


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def cook_text(raw: str, text_format: str) -> str:
    """The banner's HTML, made once when the admin saves it."""
    if text_format == "plain":
        return str(escape(raw.strip())).replace("\n", "<br>")
    return cook(raw.strip()).html


def stored_banner() -> dict[str, Any] | None:
    value = get_setting(BANNER)
    return value if isinstance(value, dict) and value.get("texts") else None


def banner_state(banner: dict[str, Any] | None, now: datetime | None = None) -> str:
    """``none`` / ``scheduled`` / ``live`` / ``ended``."""
    if not banner:
        return "none"
    now = now or utcnow()
    starts, ends = _when(banner.get("starts_at")), _when(banner.get("ends_at"))
    if ends is not None and ends <= now:
        return "ended"
    if starts is not None and starts > now:
        return "scheduled"
    return "live"


def pick_language(texts: dict[str, Any], language: str) -> str | None:
    """The reader's language, else the community's default, else the first text written."""
    for code in (language, default_language(), *texts.keys()):
        entry = texts.get(code)
        if isinstance(entry, dict) and entry.get("html"):
            return code
    return None


def shown_banner(now: datetime | None = None) -> ShownBanner | None:
    """The banner for this page, in the reader's language (no query: cached settings)."""
    banner = stored_banner()
    if banner is None or banner_state(banner, now) != "live":
        return None
    texts: dict[str, Any] = banner["texts"]
    code = pick_language(texts, str(get_locale() or ""))
    if code is None:
        return None
    return ShownBanner(version=int(banner.get("version") or 0), level=str(banner.get("level") or "info"),
                       html=Markup(texts[code]["html"]), language=code,  # noqa: S704 (cooked at save)
                       dismissible=bool(banner.get("dismissible")))


def save_banner(actor: Any, *, level: str, text_format: str, texts: dict[str, str], dismissible: bool,
                starts_at: datetime | None, ends_at: datetime | None) -> dict[str, Any]:
    """Write (or replace) the banner; audited in the same transaction. ValidationFailed (nothing
    stored) without a text in the community's default language or with an end before the start."""
    check_banner(texts, starts_at, ends_at)
    previous = stored_banner()
    version = int((previous or {}).get("version") or 0) + 1
    banner = {
        "version": version, "level": level, "format": text_format, "dismissible": dismissible,
        "texts": {code: {"raw": raw.strip(), "html": cook_text(raw, text_format)}
                  for code, raw in texts.items() if raw and raw.strip()},
        "starts_at": starts_at.isoformat() if starts_at else None,
        "ends_at": ends_at.isoformat() if ends_at else None,
        "by": getattr(actor, "id", None),
    }
    set_setting(BANNER, banner)
    record_action(actor, "crisis.banner_save", "site", None,
                  before=_summary(previous), after=_summary(banner))
    db.session.commit()
    return banner


def check_banner(texts: dict[str, str], starts_at: datetime | None, ends_at: datetime | None) -> None:
    """The banner's rules (also for its preview): members whose language has no text read the
    default language's, so that one is required; a schedule ends after it starts."""
    errors: dict[str, str] = {}
    language = default_language()
    if not (texts.get(language) or "").strip():
        errors[f"text_{language}"] = _("Write the text in the community's default language (%(language)s): members "
                                       "whose language has no text read that one.",
                                       language=LOCALE_NAMES.get(language, language))
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The end must come after the start.")
    if errors:
        raise ValidationFailed(errors)


def end_banner(actor: Any) -> bool:
    """End the banner now (kept, so the admin can see what it said). False: nothing live."""
    banner = stored_banner()
    if banner is None or banner_state(banner) in ("ended", "none"):
        return False
    ended = {**banner, "ends_at": utcnow().isoformat()}
    set_setting(BANNER, ended)
    record_action(actor, "crisis.banner_end", "site", None, before=_summary(banner), after=_summary(ended))
    db.session.commit()
    return True


def _summary(banner: dict[str, Any] | None) -> dict[str, Any] | None:
    if not banner:
        return None
    return {"version": banner.get("version"), "level": banner.get("level"), "dismissible": banner.get("dismissible"),
            "languages": sorted((banner.get("texts") or {}).keys()), "starts_at": banner.get("starts_at"),
            "ends_at": banner.get("ends_at")}


# --- read-only mode ------------------------------------------------------------------------------

def read_only() -> dict[str, Any] | None:
    """``{"message": ..., "since": ...}`` while the site is read-only, else None (no query)."""
    value = get_setting(READ_ONLY)
    return value if isinstance(value, dict) and value.get("on") else None


def is_read_only() -> bool:
    return read_only() is not None


class ReadOnlyPause:
    """Accounts' :class:`~forum.accounts.interfaces.SitePause`: while the site is read-only a
    member sees why instead of the reply box and the composer (their draft kept), before they
    write; staff still write. The content filter (hooks) still refuses what is sent anyway."""

    def block(self, user: Any) -> PostingBlock | None:
        if permissions.is_exempt(user) or not is_read_only():
            return None
        return PostingBlock(READ_ONLY_BLOCK, None,
                            _("The community is read-only for maintenance: you can read, and post again later."))


def set_read_only(actor: Any, on: bool, message: str = "") -> None:
    before = read_only()
    value = {"on": True, "message": message.strip()[:MAX_READ_ONLY_MESSAGE], "since": utcnow().isoformat()} \
        if on else None
    set_setting(READ_ONLY, value)
    record_action(actor, "crisis.read_only_on" if on else "crisis.read_only_off", "site", None,
                  before={"read_only": before is not None}, after={"read_only": on, "message": (value or {}).get(
                      "message")})
    db.session.commit()
