"""Spam guard: honeypot, form timer, first-post heuristics and posting rate limits.

* **Honeypot**: the registration, new-topic and reply forms get one extra text input that
  people never see (moved off-screen, ``aria-hidden``, ``tabindex=-1``, ``autocomplete=off``).
  Bots that fill every input are refused.
* **Form timer**: the same forms carry a signed timestamp; a form sent back faster than the
  minimum (a few seconds) is refused on registration and held for approval when posting.
  A forged timestamp counts as a filled honeypot. Forms sent without the timer (API clients,
  scripts) pass unless "Require the form timer" is on.
* **First-post heuristics**: a post from a new account that contains a link AND repeats text
  the same author posted in another topic in the last day goes to the review queue.
* **Rate limits per trust level**: new members, other members and regulars (trust level 3 and
  up, ``regular_rate``; 0: as other members) may publish at most N posts per 10 minutes
  (staff: no limit). "New" is the shared rule, so a member's trust level speaks first. They
  apply to web requests while the site's rate limiting is on (``RATELIMIT_ENABLED``); scripts
  and imports that call the services are not limited.

Kinds of text: topics and replies get every check. An **edit** is judged like the post it
edits by the first-post heuristic (editing an innocent post into a repeated link is the
same spam; the edited post counts as one of the member's first posts), but not by the rate
limit (an edit adds no post) nor the timer (the edit form carries none). **Meetups** and
**profile text** get only the honeypot and timer, where their form carries them (today none
does): the rate limit counts posts, and the heuristic compares posts across topics, which a
meetup or a profile is not. Registrations get the honeypot and the timer.

Verdict codes: ``honeypot``, ``forged_timer``, ``no_timer``, ``too_fast``, ``rate_limit``,
``repeated_text``.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from forum.plugins import SettingField, Verdict, form_field_name, hookimpl, plugin_setting, utcnow
from forum.plugins import is_new_member as shared_is_new_member
from forum.plugins.community import REGULAR, count_posts_by, recent_posts_by, trust_level

__plugin_name__ = _l("Spam guard")
__plugin_description__ = _l("Honeypot and form timer on registration and posting, first-post heuristics and "
                            "posting rate limits per trust level.")
__version__ = "1.0.0"

PLUGIN_ID = "spam_guard"
HONEYPOT = form_field_name(PLUGIN_ID, "homepage")
TIMER = form_field_name(PLUGIN_ID, "ts")
FORMS = ("register", "topic", "reply")
NEW_POSTS = ("topic", "reply")  # kinds that add a post: the rate limit counts them
POST_KINDS = ("topic", "reply", "edit")  # kinds the first-post heuristic reads
RATE_WINDOW = timedelta(minutes=10)
REPEAT_WINDOW = timedelta(days=1)
LINK_RX = re.compile(r"https?://|www\.", re.IGNORECASE)
# Off-screen rather than display:none, which some bots detect. Inline so the plugin needs no stylesheet.
OFFSCREEN = "position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden"


@hookimpl
def forum_gather_settings_schema() -> list[SettingField]:
    return [
        SettingField("honeypot", _l("Honeypot field on registration and posting forms"), type="bool", default=True),
        SettingField("min_fill_seconds", _l("Minimum seconds between showing a form and sending it"), type="int",
                     default=3, min=0, max=600, help=_l("0: no minimum.")),
        SettingField("require_timer", _l("Require the form timer"), type="bool", default=False,
                     help=_l("Refuse registrations and posts sent without the timer field, e.g. by clients "
                             "that never loaded the form.")),
        SettingField("new_member_posts", _l("A member is new during their first … posts"), type="int", default=5,
                     min=0, max=100_000, help=_l("0: the number of posts does not matter.")),
        SettingField("new_member_days", _l("… or during their first … days"), type="int", default=3, min=0,
                     max=3650, help=_l("0: the account's age does not matter.")),
        SettingField("new_member_rate", _l("New members: posts allowed per 10 minutes"), type="int", default=5,
                     min=0, max=1000, help=_l("0: no limit.")),
        SettingField("member_rate", _l("Other members: posts allowed per 10 minutes"), type="int", default=20,
                     min=0, max=1000, help=_l("0: no limit. Staff are never limited.")),
        SettingField("regular_rate", _l("Regulars and leaders (trust level 3 and up): posts allowed per 10 "
                                        "minutes"), type="int", default=0, min=0, max=1000,
                     help=_l("0: the same as other members.")),
        SettingField("first_post_heuristics", _l("Hold posts from new accounts that contain links and repeat "
                                                 "text posted in another topic"), type="bool", default=True),
    ]


# --- the honeypot and the timer ------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="spam_guard.form")


def make_timer(form_name: str) -> str:
    return _serializer().dumps(form_name)


@hookimpl
def forum_tpl_form_fields(form_name: str, user: Any) -> Any:
    if form_name not in FORMS:
        return None
    timer = Markup('<input type="hidden" name="{}" value="{}">').format(TIMER, make_timer(form_name))
    if not plugin_setting(PLUGIN_ID, "honeypot"):
        return timer
    field_id = f"{HONEYPOT}-{form_name}"
    return timer + Markup(
        '<div class="pf-extra" aria-hidden="true" style="{}">'
        '<label for="{}">{}</label>'
        '<input type="text" name="{}" id="{}" value="" tabindex="-1" autocomplete="off">'
        "</div>").format(OFFSCREEN, field_id, _("Leave this field empty"), HONEYPOT, field_id)


def _form_checks(extra: dict[str, Any], *, registering: bool, check_timer: bool = True) -> Verdict | None:
    """Honeypot and timer, for forms that went through a view (``extra["form"]`` is set).

    The timer is skipped for established members: a quick "thanks!" from a regular is not a bot."""
    form_name = extra.get("form")
    if form_name not in FORMS:
        return None
    refused = _("We could not accept this form. Please reload the page and try again.")
    if plugin_setting(PLUGIN_ID, "honeypot") and (extra.get(HONEYPOT) or "").strip():
        return Verdict.reject(refused, reason=_("Honeypot field filled in"), code="honeypot")
    if not check_timer:
        return None
    stamp = extra.get(TIMER)
    if not stamp:
        required = plugin_setting(PLUGIN_ID, "require_timer")
        return Verdict.reject(refused, reason=_("Form sent without its timer"), code="no_timer") if required else None
    return _timer_check(stamp, form_name, refused, registering)


def _timer_check(stamp: str, form_name: str, refused: str, registering: bool) -> Verdict | None:
    try:
        name, issued = _serializer().loads(stamp, return_timestamp=True)
    except BadSignature:
        name, issued = None, None
    if name != form_name or issued is None:
        return Verdict.reject(refused, reason=_("Forged form timer"), code="forged_timer")
    minimum = int(plugin_setting(PLUGIN_ID, "min_fill_seconds") or 0)
    elapsed = time.time() - issued.timestamp()
    if minimum and elapsed < minimum:
        reason = _("Form sent %(s)d seconds after it was shown", s=max(0, int(elapsed)))
        if registering:
            return Verdict.reject(_("That was quick! Please check the form and send it again."), reason=reason,
                                  code="too_fast")
        return Verdict.require_approval(reason, code="too_fast")
    return None


@hookimpl
def forum_filter_registration(form_data: Any, context: Any) -> Any:
    return _form_checks(dict(form_data.get("extra") or {}), registering=True)


# --- posting ---------------------------------------------------------------------------------------

def is_new_member(author: Any, context: Any = None) -> bool:
    return shared_is_new_member(author, posts=int(plugin_setting(PLUGIN_ID, "new_member_posts") or 0),
                                days=int(plugin_setting(PLUGIN_ID, "new_member_days") or 0), context=context)


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _rate_limited(author: Any, new_member: bool) -> Verdict | None:
    if not (has_request_context() and current_app.config.get("RATELIMIT_ENABLED", True)):
        return None
    limit = int(plugin_setting(PLUGIN_ID, "new_member_rate" if new_member else "member_rate") or 0)
    if not new_member and (trust_level(author) or 0) >= REGULAR:  # trusted members may post faster
        limit = int(plugin_setting(PLUGIN_ID, "regular_rate") or 0) or limit
    if not limit:
        return None
    recent = count_posts_by(author, utcnow() - RATE_WINDOW)
    if recent >= limit:
        return Verdict.reject(
            _("You are posting faster than this community allows. Please wait a few minutes and send "
              "it again: your text is kept."),
            reason=_("%(n)d posts in 10 minutes (the limit is %(limit)d)", n=recent, limit=limit),
            code="rate_limit")
    return None


def _repeats_other_topic(author: Any, raw: str, topic_id: int | None) -> bool:
    wanted = _normalise(raw)
    recent = recent_posts_by(author, utcnow() - REPEAT_WINDOW, exclude_topic=topic_id)
    return any(_normalise(post.raw) == wanted for post in recent)


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    """Topics and replies: every check; edits: the heuristic; other kinds: the form checks
    (see the module doc)."""
    if author is None or getattr(author, "is_staff", False):
        return None
    verdicts: list[Verdict] = []
    new_member = is_new_member(author, context)
    form_verdict = _form_checks(dict(getattr(context, "extra", None) or {}), registering=False,
                                check_timer=new_member)
    if form_verdict is not None:
        verdicts.append(form_verdict)
    if context.kind in NEW_POSTS:
        limited = _rate_limited(author, new_member)
        if limited is not None:
            verdicts.append(limited)
    if (context.kind in POST_KINDS and new_member and plugin_setting(PLUGIN_ID, "first_post_heuristics")
            and LINK_RX.search(draft.raw) and _repeats_other_topic(author, draft.raw, context.topic_id)):
        verdicts.append(Verdict.require_approval(
            _("New account posting links and repeating text from another topic"), code="repeated_text"))
    return verdicts or None
