"""Link limits: new members may post only a few links; domain allow and deny lists.

* A member is *new* during their first N published posts or their first D days (settings;
  0 switches a criterion off). A new member's post with more than K links goes to the review
  queue (``require_approval``); links to allowed domains and to this site do not count.
* Links to a denied domain are refused for everyone but staff: the author sees which domain
  and keeps the text (``reject``, the default), or, if the admin prefers, the post is held
  for a moderator (``require_approval``).
* Staff (moderators, admins, brand staff) are never limited.

Links are counted in the rendered post (the same Markdown pipeline as the page), so a URL
inside a code block is not a link and ``[text](url)`` is one.

Every kind of text is judged the same way: topics, replies, **edits** (an edit is judged like
the post it edits, and that post counts as one of the member's first posts, so a new
member's last "new" post cannot be edited into a link list once it is published), meetups
(``"event"``: a description is published content like a topic) and **profile text**
(``"profile"``: profile links are a favourite of spam accounts; a held profile keeps showing
its previous text until a moderator approves the new one).

Verdict codes: ``denied_domain``, ``too_many_links``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.plugins import SettingField, Verdict, extract_links, hookimpl, plugin_setting, public_host
from forum.plugins import is_new_member as shared_is_new_member

__plugin_name__ = _l("Link limits")
__plugin_description__ = _l("New members may post only a few links per post; allowed and denied domains.")
__version__ = "1.0.0"

PLUGIN_ID = "link_limits"
DENIED_DOMAIN = "denied_domain"
TOO_MANY_LINKS = "too_many_links"


@hookimpl
def forum_gather_settings_schema() -> list[SettingField]:
    return [
        SettingField("new_member_posts", _l("A member is new during their first … posts"), type="int",
                     default=5, min=0, max=100_000, help=_l("0: the number of posts does not matter.")),
        SettingField("new_member_days", _l("… or during their first … days"), type="int", default=2, min=0,
                     max=3650, help=_l("0: the account's age does not matter.")),
        SettingField("max_links", _l("Links a new member may put in one post"), type="int", default=2, min=0,
                     max=1000, help=_l("A post with more goes to the review queue.")),
        SettingField("allowed_domains", _l("Allowed domains"), type="lines", default=[], max=253,
                     help=_l("Links to these domains and their subdomains never count (one per line, "
                             "e.g. example.com).")),
        SettingField("denied_domains", _l("Denied domains"), type="lines", default=[], max=253,
                     help=_l("Links to these domains and their subdomains are not accepted from members.")),
        SettingField("denied_action", _l("When a post links to a denied domain"), type="choice",
                     default="reject", choices=(("reject", _l("Refuse it and tell the author which domain")),
                                                ("require_approval", _l("Hold it for a moderator")))),
    ]


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return _normalise_domain(parts.hostname)


def _normalise_domain(value: str) -> str:
    value = value.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0].split(":", 1)[0].lstrip("*.").rstrip(".")
    try:
        return value.encode("idna").decode("ascii")
    except UnicodeError:
        return value


def _matches(host: str, domains: list[str]) -> str | None:
    for domain in domains:
        if domain and (host == domain or host.endswith("." + domain)):
            return domain
    return None


def external_hosts(raw: str) -> tuple[list[str], list[str]]:
    """Hosts of the links and of the images in ``raw`` Markdown (http/https only, in order)."""
    found = extract_links(raw)
    links = [h for h in (_host(u) for u in found.links) if h]
    images = [h for h in (_host(u) for u in found.images) if h]
    return links, images


def _own_host() -> str | None:
    # From FORUM_PUBLIC_URL: the request's Host is chosen by the sender ("Host: spam-shop.com"
    # would make every link to spam-shop.com look like our own).
    return _normalise_domain(public_host())


def is_new_member(author: Any, context: Any = None) -> bool:
    return shared_is_new_member(author, posts=int(plugin_setting(PLUGIN_ID, "new_member_posts") or 0),
                                days=int(plugin_setting(PLUGIN_ID, "new_member_days") or 0), context=context)


def _denied(hosts: list[str]) -> Verdict | None:
    denied = [_normalise_domain(d) for d in plugin_setting(PLUGIN_ID, "denied_domains") or []]
    host = next((h for h in hosts if _matches(h, denied)), None)
    if host is None:
        return None
    reason = _("Link to a denied domain: %(domain)s", domain=host)
    if plugin_setting(PLUGIN_ID, "denied_action") == "require_approval":
        return Verdict.require_approval(reason, code=DENIED_DOMAIN)
    return Verdict.reject(_("Links to %(domain)s are not allowed here. Please remove them; your text is kept.",
                            domain=host), reason=reason, code=DENIED_DOMAIN)


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    """Every kind of text (see the module doc); staff are never limited."""
    if author is None or getattr(author, "is_staff", False):
        return None
    links, images = external_hosts(draft.raw)
    if not links and not images:
        return None
    denied = _denied(links + images)
    if denied is not None:
        return denied
    if not is_new_member(author, context):
        return None
    allowed = [_normalise_domain(d) for d in plugin_setting(PLUGIN_ID, "allowed_domains") or []]
    own = _own_host()
    if own:
        allowed.append(own)
    counted = [h for h in links if not _matches(h, allowed)]
    limit = int(plugin_setting(PLUGIN_ID, "max_links") or 0)
    if len(counted) > limit:
        return Verdict.require_approval(_("%(n)d links from a new member (the limit is %(limit)d)",
                                          n=len(counted), limit=limit), code=TOO_MANY_LINKS)
    return None
