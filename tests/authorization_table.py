"""The rows of the authorization table (tests/test_authorization.py): every route × member
state × role → what the actor gets. The outcomes (``Expect``) are explained there; a URL's
``{names}`` are the world's objects (``build_world``), and a JSON body's ids come from
:func:`world_id`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.api.models import ApiKey
from forum.crisis.models import TopicTimer
from forum.discussions.models import (
    Bookmark,
    CategoryMember,
    Draft,
    Post,
    PostReaction,
    Topic,
    TopicMember,
)
from forum.events.models import Event, EventRsvp
from forum.extensions import db
from forum.ideas.models import IdeaBoard, IdeaStatusChange, IdeaVote
from forum.messages.models import Conversation, MessageFlag
from forum.moderation.models import Flag
from forum.privacy.models import DataExport
from forum.tags.models import Tag, TopicTag

ACTORS = ["visitor", "unverified", "pending", "rejected", "active", "silenced", "suspended",
          "staff", "moderator", "admin"]
SIGNED_OUT = {"visitor", "suspended"}  # a suspended member's session stops working
READERS = {"active", "silenced", "staff", "moderator", "admin"}      # read members-only places
PARTICIPANTS = {"active", "staff", "moderator", "admin"}             # post, flag, RSVP
STAFF = {"staff", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}


# --- the expectations, by access class ------------------------------------------------------------

Expect = dict[str, str]


def everyone(outcome: str = "200") -> Expect:
    return dict.fromkeys(ACTORS, outcome)


def signed_in(outcome: str = "200", others: str = "login") -> Expect:
    return {a: others if a in SIGNED_OUT else outcome for a in ACTORS}


def among(allowed: set[str], outcome: str = "200", denied: str = "denied") -> Expect:
    """``allowed`` get ``outcome``; signed-out actors are sent to sign in; the rest ``denied``."""
    return {a: outcome if a in allowed else ("login" if a in SIGNED_OUT else denied) for a in ACTORS}


def readers(outcome: str = "200", hidden: str = "404") -> Expect:
    """Members-only content: readers see it, everyone else gets what a visitor gets."""
    return {a: outcome if a in READERS else hidden for a in ACTORS}


def staff_readers(outcome: str = "200", hidden: str = "404") -> Expect:
    return {a: outcome if a in STAFF else hidden for a in ACTORS}


def participants(effect: bool = True) -> Expect:
    """A write only participants make; the rows have a probe that sees whether it happened."""
    return {a: ("effect" if effect else "allowed") if a in PARTICIPANTS else "none" for a in ACTORS}


def moderators(outcome: str = "allowed") -> Expect:
    return among(MODERATORS, outcome, "403")


def admins(outcome: str = "allowed") -> Expect:
    return among({"admin"}, outcome, "403")


def admin_area(outcome: str = "allowed") -> Expect:
    """/admin/…: signed-out actors get a 404 (the area does not admit it exists), members a 403."""
    return {a: outcome if a == "admin" else ("404" if a in SIGNED_OUT else "403") for a in ACTORS}


def nobody(denied: str = "denied") -> Expect:
    """Only the owner of the object may (the owner is not one of the actors)."""
    return among(set(), "allowed", denied)


def but(expect: Expect, **overrides: str) -> Expect:
    return {**expect, **overrides}


@dataclass
class Row:
    url: str                               # formatted with the world's values
    expect: Expect
    data: dict[str, Any] = field(default_factory=dict)
    probe: Callable[[dict[str, Any]], int] | None = None  # counts rows the request may write
    json: bool = False  # send ``data`` as a JSON body (the API), with the CSRF token in X-CSRFToken


def count(model: Any, *where: Any) -> Callable[[dict[str, Any]], int]:
    return lambda w: int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def world_id(key: str) -> Callable[[dict[str, Any]], int]:
    """A JSON body's id: the world's object, as a number."""
    return lambda world: int(world[key])


def where_world(model: Any, column: str, key: str) -> Callable[[dict[str, Any]], int]:
    return lambda w: count(model, getattr(model, column) == w[key])(w)


ADMIN_GET = admin_area("200")
MOD_GET = moderators("200")


def api_v1_among(allowed: set[str], outcome: str) -> Expect:
    """An /api/v1 route for ``allowed`` (``outcome``): signed-out callers get 401, the rest 403."""
    return {a: outcome if a in allowed else ("401" if a in SIGNED_OUT else "403") for a in ACTORS}


API_MEMBERS = {a: "401" if a in SIGNED_OUT else "200" for a in ACTORS}
API_MEMBERS_204 = {a: "401" if a in SIGNED_OUT else "204" for a in ACTORS}
# Taking part through the API: what participants() is on the pages, with the API's statuses.
API_PARTICIPANTS = {a: "effect" if a in PARTICIPANTS else "401" if a in SIGNED_OUT else "403" for a in ACTORS}
API_RSVP = {a: "effect" if a in PARTICIPANTS else "401" if a in SIGNED_OUT else "4xx" for a in ACTORS}

# (rule, method) -> Row. Keep it in url_map order of prefix, one line per row where possible.
TABLE: dict[tuple[str, str], Row] = {
    # discussions: reading
    ("/", "GET"): Row("/", everyone()),
    ("/latest", "GET"): Row("/latest", everyone()),
    ("/c/<slug>", "GET"): Row("/c/{club_slug}", readers()),
    ("/t/<slug>/<int:topic_id>", "GET"): Row("/t/{club_topic_slug}/{club_topic}", readers()),
    ("/t/<slug>/<int:topic_id>/<int:post_number>", "GET"): Row(
        "/t/{staff_topic_slug}/{staff_topic}/1", staff_readers("302")),  # to the post's anchor
    ("/p/<int:post_id>", "GET"): Row("/p/{club_post}", readers("302")),
    ("/posts/<int:post_id>/revisions", "GET"): Row("/posts/{public_reply}/revisions",
                                                   {a: "200" if a in STAFF else "403" for a in ACTORS}),
    ("/search", "GET"): Row("/search?q=hello", everyone()),
    # api: feeds, the visitor's view for everyone (a members-only feed is a 404 for all: tests/api)
    **{(rule, "GET"): Row(url, everyone()) for fmt in ("rss", "atom") for rule, url in (
        (f"/latest.{fmt}", f"/latest.{fmt}"),
        (f"/c/<slug>.{fmt}", f"/c/{{public_slug}}.{fmt}"),
        (f"/t/<slug>/<int:topic_id>.{fmt}", f"/t/{{public_topic_slug}}/{{public_topic}}.{fmt}"),
        (f"/u/<username>.{fmt}", f"/u/{{author_name}}.{fmt}"))},
    # tags: the world's tag is on the public topic, so its page and feeds are public; changing a
    # topic's tags from its page is staff's and moderators' (here: taking the tag off).
    ("/tags", "GET"): Row("/tags", everyone()),
    ("/tag/<slug>", "GET"): Row("/tag/{tag_name}", everyone()),
    **{(f"/tag/<slug>.{fmt}", "GET"): Row(f"/tag/{{tag_name}}.{fmt}", everyone()) for fmt in ("rss", "atom")},
    ("/tags/suggest", "GET"): Row("/tags/suggest?q=mo", signed_in()),
    ("/t/<int:topic_id>/tags", "GET"): Row("/t/{public_topic}/tags", among(STAFF, "200", "403")),
    ("/t/<int:topic_id>/tags", "POST"): Row("/t/{public_topic}/tags", among(STAFF, "effect", "403"),
                                            {"tags": ""}, probe=count(TopicTag)),
    # api: the REST API as the site's own scripts call it (a session; keys: tests/api). Reads show
    # what the pages show; writes need someone signed in (401 otherwise) and a JSON body (this
    # table posts a form: 415 once the caller passed the checks).
    ("/api/v1/openapi.json", "GET"): Row("/api/v1/openapi.json", everyone()),
    ("/api/v1/categories", "GET"): Row("/api/v1/categories", everyone()),
    ("/api/v1/categories/<slug>", "GET"): Row("/api/v1/categories/{club_slug}", readers()),
    ("/api/v1/topics", "GET"): Row("/api/v1/topics", everyone()),
    ("/api/v1/topics", "POST"): Row("/api/v1/topics", API_PARTICIPANTS, {
        "category_id": world_id("public_category"), "title": "A topic the table starts through the API",
        "body": "Written by the authorization table, through the API."}, probe=count(Topic), json=True),
    ("/api/v1/topics/<int:topic_id>", "GET"): Row("/api/v1/topics/{club_topic}", readers()),
    ("/api/v1/topics/<int:topic_id>/posts", "GET"): Row("/api/v1/topics/{staff_topic}/posts", staff_readers()),
    ("/api/v1/topics/<int:topic_id>/posts", "POST"): Row("/api/v1/topics/{public_topic}/posts", API_PARTICIPANTS,
                                                         {"body": "A reply from the table, through the API."},
                                                         probe=count(Post), json=True),
    # as the web edit: the author or a moderator (the author is not an actor here)
    ("/api/v1/posts/<int:post_id>", "PATCH"): Row("/api/v1/posts/{public_reply}", api_v1_among(MODERATORS, "200"),
                                                  {"body": "Edited by the table, through the API."}, json=True),
    ("/api/v1/posts/<int:post_id>", "GET"): Row("/api/v1/posts/{club_post}", readers()),
    ("/api/v1/users/<username>", "GET"): Row("/api/v1/users/{author_name}", everyone()),
    ("/api/v1/me", "GET"): Row("/api/v1/me", {a: "401" if a in SIGNED_OUT else "200" for a in ACTORS}),
    ("/api/v1/search", "GET"): Row("/api/v1/search?q=hello", everyone()),
    ("/api/v1/tags", "GET"): Row("/api/v1/tags", everyone()),
    # api: events, notifications, moderation, escalations. Reads as the pages; member routes 401 signed
    # out; staff routes 403 for the rest (a session's scopes are the member's role: no `moderation`
    # scope without the role); writes with a body answer 415 here once the checks passed.
    ("/api/v1/events", "GET"): Row("/api/v1/events", everyone()),
    ("/api/v1/events/<int:event_id>", "GET"): Row("/api/v1/events/{members_event}", readers()),
    ("/api/v1/events/<int:event_id>/rsvp", "GET"): Row("/api/v1/events/{public_event}/rsvp", API_MEMBERS),
    # as the event page's RSVP form: who may take part answers; the others are told why not in
    # words (422 with the events domain's message: confirm your email, wait for approval…)
    ("/api/v1/events/<int:event_id>/rsvp", "PUT"): Row("/api/v1/events/{public_event}/rsvp", API_RSVP,
                                                       {"status": "going"}, probe=count(EventRsvp)),
    ("/api/v1/events/<int:event_id>/rsvp", "DELETE"): Row("/api/v1/events/{public_event}/rsvp",
                                                          {**API_RSVP, **{a: "allowed" for a in PARTICIPANTS}}),
    ("/api/v1/events/<int:event_id>/attendees", "GET"): Row("/api/v1/events/{public_event}/attendees",
                                                            {a: "200" if a in READERS else "401" if a in SIGNED_OUT
                                                             else "403" for a in ACTORS}),
    ("/api/v1/notifications", "GET"): Row("/api/v1/notifications", API_MEMBERS),
    ("/api/v1/notifications/unread", "GET"): Row("/api/v1/notifications/unread", API_MEMBERS),
    ("/api/v1/notifications/<int:notification_id>/read", "POST"): Row(  # the author's notice: nobody else's
        "/api/v1/notifications/{notice}/read", {a: "401" if a in SIGNED_OUT else "404" for a in ACTORS}),
    ("/api/v1/notifications/read", "POST"): Row("/api/v1/notifications/read", API_MEMBERS_204),
    ("/api/v1/review", "GET"): Row("/api/v1/review", api_v1_among(MODERATORS, "200")),
    ("/api/v1/review/<int:item_id>", "GET"): Row("/api/v1/review/{item}", api_v1_among(MODERATORS, "200")),
    ("/api/v1/review/<int:item_id>/approve", "POST"): Row("/api/v1/review/{item}/approve",
                                                          api_v1_among(MODERATORS, "200")),
    ("/api/v1/review/<int:item_id>/reject", "POST"): Row("/api/v1/review/{item}/reject",
                                                         api_v1_among(MODERATORS, "200"), json=True),
    # the world's item is an application, not a flag: the moderator's answer is that it has no flags
    ("/api/v1/review/<int:item_id>/flags", "POST"): Row("/api/v1/review/{item}/flags",
                                                        api_v1_among(MODERATORS, "4xx"), {"outcome": "agree"},
                                                        json=True),
    ("/api/v1/flags", "GET"): Row("/api/v1/flags", api_v1_among(MODERATORS, "200")),
    ("/api/v1/posts/<int:post_id>/flags", "POST"): Row("/api/v1/posts/{public_reply}/flags", API_PARTICIPANTS,
                                                       {"reason": "spam"}, probe=count(Flag), json=True),
    ("/api/v1/posts/<int:post_id>/hide", "POST"): Row("/api/v1/posts/{public_reply}/hide",
                                                      api_v1_among(MODERATORS, "200"), {"reason": "Off topic"},
                                                      json=True),
    # the reply is not hidden: a moderator is told there is nothing to restore
    ("/api/v1/posts/<int:post_id>/restore", "POST"): Row("/api/v1/posts/{public_reply}/restore",
                                                         api_v1_among(MODERATORS, "4xx"), json=True),
    ("/api/v1/users/<username>/warn", "POST"): Row("/api/v1/users/{author_name}/warn", api_v1_among(MODERATORS, "201"),
                                                   {"reason": "Be kind, says the table."}, json=True),
    **{(f"/api/v1/users/<username>/{tool}", "POST"): Row(f"/api/v1/users/{{author_name}}/{tool}",
                                                         api_v1_among(MODERATORS, "201"),
                                                         {"reason": "The table's sanction.", "duration": "1d"},
                                                         json=True)
       for tool in ("silence", "suspend")},
    # the author is neither silenced nor suspended: nothing to lift, said to a moderator
    **{(f"/api/v1/users/<username>/{tool}", "POST"): Row(f"/api/v1/users/{{author_name}}/{tool}",
                                                         api_v1_among(MODERATORS, "4xx"), json=True)
       for tool in ("unsilence", "unsuspend")},
    ("/api/v1/escalations", "GET"): Row("/api/v1/escalations", api_v1_among(STAFF, "200")),
    # (the public topic is escalated already: a second open escalation of it is refused). Who cannot
    # read the members-only topic is not told it exists.
    ("/api/v1/escalations", "POST"): Row("/api/v1/escalations", {
        **api_v1_among(STAFF, "201"), **{a: "404" for a in ("unverified", "pending", "rejected")}}, {
        "topic_id": world_id("club_topic"), "reason": "The table escalates.", "priority": "low"}, json=True),
    ("/api/v1/escalations/<int:escalation_id>/ticket", "PUT"): Row(
        "/api/v1/escalations/{escalation}/ticket", api_v1_among(STAFF, "200"),
        {"reference": "TABLE-1", "url": "https://help.example.com/tickets/1"}),
    ("/api/v1/escalations/<int:escalation_id>", "GET"): Row("/api/v1/escalations/{escalation}",
                                                            api_v1_among(STAFF, "200")),
    ("/api/v1/escalations/<int:escalation_id>/resolve", "POST"): Row("/api/v1/escalations/{escalation}/resolve",
                                                                     api_v1_among(STAFF, "200")),
    # api: keys. Any signed-in member makes keys of their own (a key never does more than they may);
    # admins make integration keys; revoking someone else's key is a 404.
    ("/settings/api-keys", "GET"): Row("/settings/api-keys", signed_in()),
    ("/settings/api-keys", "POST"): Row("/settings/api-keys", {a: "none" if a in SIGNED_OUT else "effect"
                                                               for a in ACTORS},
                                        {"name": "A table key", "scopes": "read"}, probe=count(ApiKey)),
    ("/admin/api-keys", "GET"): Row("/admin/api-keys", ADMIN_GET),
    ("/admin/api-keys", "POST"): Row("/admin/api-keys", admin_area()),
    ("/api-keys/<int:key_id>/revoke", "POST"): Row("/api-keys/{api_key}/revoke", among({"admin"}, "302", "404")),
    # discussions: reactions and bookmarks (a reaction is taking part: participants; bookmarks are a
    # reader's own list; who reacted is for whoever reads the post)
    ("/posts/<int:post_id>/react", "POST"): Row("/posts/{public_reply}/react", participants(), {"reaction": "heart"},
                                                probe=count(PostReaction)),
    ("/posts/<int:post_id>/unreact", "POST"): Row("/posts/{public_reply}/unreact", signed_in("allowed")),
    ("/posts/<int:post_id>/reactions", "GET"): Row("/posts/{club_post}/reactions", readers()),
    ("/posts/<int:post_id>/bookmark", "GET"): Row("/posts/{club_post}/bookmark",
                                                  but(readers(), visitor="login", suspended="login")),
    ("/posts/<int:post_id>/bookmark", "POST"): Row("/posts/{club_post}/bookmark", readers("effect", "none"),
                                                   {"quick": "1"}, probe=count(Bookmark)),
    ("/posts/<int:post_id>/bookmark/remove", "POST"): Row("/posts/{public_reply}/bookmark/remove",
                                                          signed_in("allowed")),
    ("/bookmarks", "GET"): Row("/bookmarks", signed_in()),
    # discussions: watching and reading (a level or a read position on a members-only topic: its readers)
    ("/new", "GET"): Row("/new", signed_in()),
    ("/unread", "GET"): Row("/unread", signed_in()),
    ("/t/<int:topic_id>/read", "POST"): Row("/t/{club_topic}/read", readers("effect", "none"),
                                            {"post_number": "1"}, probe=count(TopicMember)),
    # The no-JavaScript beacon answers only a signature made for the member (a forged one writes nothing).
    ("/t/<int:topic_id>/read.gif", "GET"): Row("/t/{club_topic}/read.gif?s=forged", everyone("404")),
    ("/t/<int:topic_id>/level", "POST"): Row("/t/{club_topic}/level", readers("effect", "none"),
                                             {"level": "0"}, probe=count(TopicMember)),
    ("/c/<slug>/level", "POST"): Row("/c/{club_slug}/level", readers("effect", "none"),
                                     {"level": "3"}, probe=count(CategoryMember)),
    # discussions: writing
    ("/new-topic", "GET"): Row("/new-topic", signed_in()),
    ("/new-topic", "POST"): Row("/new-topic", participants(),
                                {"category": "{public_category}", "title": "A table-made topic title",
                                 "body": "Written by the authorization table."},
                                probe=count(Topic)),
    ("/t/<int:topic_id>/reply", "POST"): Row("/t/{public_topic}/reply", participants(),
                                             {"body": "A reply from the authorization table."},
                                             probe=count(Post)),
    ("/preview", "POST"): Row("/preview", signed_in("allowed"), {"body": "**preview**"}),
    ("/posts/<int:post_id>/edit", "GET"): Row("/posts/{public_reply}/edit", among(MODERATORS, "200", "403")),
    ("/posts/<int:post_id>/edit", "POST"): Row("/posts/{public_reply}/edit", among(MODERATORS, "allowed", "403"),
                                               {"body": "Edited by the table."}),
    ("/posts/<int:post_id>/withdraw", "POST"): Row("/posts/{public_reply}/withdraw", nobody()),
    ("/posts/<int:post_id>/unwithdraw", "POST"): Row("/posts/{public_reply}/unwithdraw", nobody()),
    ("/posts/<int:post_id>/solution", "POST"): Row("/posts/{public_reply}/solution", nobody()),
    # Not a questions category: nobody marks or unmarks (permission is checked before "nothing to do").
    ("/t/<int:topic_id>/solution/remove", "POST"): Row("/t/{public_topic}/solution/remove", nobody()),
    ("/drafts/<kind>/<key>/discard", "POST"): Row("/drafts/reply/{public_topic}/discard", signed_in("allowed")),
    # The composer's autosave: any signed-in reader keeps a draft where they may reply (a member
    # who cannot post yet keeps what they wrote for later). Messages' places (message/<id>,
    # conversation/new) share this route: tests/messages/test_messages_drafts.py covers them.
    ("/drafts/<kind>/<key>", "POST"): Row("/drafts/reply/{public_topic}", {
        a: "none" if a in SIGNED_OUT else "effect" for a in ACTORS}, {"body": "A draft from the table."},
        probe=count(Draft)),
    ("/posts/<int:post_id>/quote", "GET"): Row("/posts/{public_reply}/quote", signed_in()),
    # moderation
    ("/posts/<int:post_id>/flag", "POST"): Row("/posts/{public_reply}/flag", participants(),
                                               {"reason": "spam"}, probe=count(Flag)),
    ("/posts/<int:post_id>/resubmit", "GET"): Row("/posts/{public_reply}/resubmit", nobody()),
    ("/posts/<int:post_id>/resubmit", "POST"): Row("/posts/{public_reply}/resubmit", nobody()),
    ("/review", "GET"): Row("/review", MOD_GET),
    ("/review/bulk", "POST"): Row("/review/bulk", moderators()),
    ("/review/<int:item_id>/approve", "POST"): Row("/review/{item}/approve", moderators()),
    ("/review/<int:item_id>/claim", "POST"): Row("/review/{item}/claim", moderators()),
    ("/review/<int:item_id>/release", "POST"): Row("/review/{item}/release",
                                                                       but(moderators(), moderator="403")),
    # (only the moderator holding an item, or an admin, releases it)
    ("/review/<int:item_id>/delete", "POST"): Row("/review/{item}/delete", moderators()),
    ("/review/<int:item_id>/reject", "POST"): Row("/review/{item}/reject", moderators()),
    # The item is a member application: there is no post to edit, so moderators get a 404.
    ("/review/<int:item_id>/edit", "GET"): Row("/review/{item}/edit", moderators("404")),
    ("/review/<int:item_id>/edit", "POST"): Row("/review/{item}/edit", moderators("404")),
    ("/review/<int:item_id>/flags/<outcome>", "POST"): Row("/review/{item}/flags/agree", moderators()),
    ("/moderation/audit", "GET"): Row("/moderation/audit", MOD_GET),
    ("/moderation/audit.csv", "GET"): Row("/moderation/audit.csv", MOD_GET),
    ("/moderation/bans", "GET"): Row("/moderation/bans", MOD_GET),
    ("/moderation/bans", "POST"): Row("/moderation/bans", moderators(),
                                      {"kind": "ip_range", "value": "198.51.100.0/24"}),
    ("/moderation/bans/<int:ban_id>/lift", "POST"): Row("/moderation/bans/{ban}/lift", moderators()),
    ("/moderation/settings", "GET"): Row("/moderation/settings", admins("200")),
    ("/moderation/settings", "POST"): Row("/moderation/settings", admins()),
    ("/moderation/me", "GET"): Row("/moderation/me", signed_in()),
    ("/moderation/warnings/<int:sanction_id>/acknowledge", "POST"): Row(
        "/moderation/warnings/{warning}/acknowledge", nobody()),
    ("/moderation/posts/<int:post_id>/delete", "POST"): Row("/moderation/posts/{public_reply}/delete", moderators()),
    ("/moderation/posts/<int:post_id>/hide", "POST"): Row("/moderation/posts/{public_reply}/hide", moderators()),
    ("/moderation/posts/<int:post_id>/restore", "POST"): Row("/moderation/posts/{public_reply}/restore",
                                                             moderators()),
    **{(f"/moderation/topics/<int:topic_id>/{tool}", "POST"): Row(f"/moderation/topics/{{public_topic}}/{tool}",
                                                                  moderators())
       for tool in ("lock", "unlock", "pin", "unpin", "move", "split", "merge")},
    **{(f"/moderation/users/<username>/{tool}", "POST"): Row(f"/moderation/users/{{author_name}}/{tool}",
                                                             moderators())
       for tool in ("note", "silence", "suspend", "unsilence", "unsuspend", "warn")},
    ("/moderation/users/<username>/role", "POST"): Row("/moderation/users/{author_name}/role", admins(),
                                                       {"role": "member"}),
    # accounts
    ("/u/<username>", "GET"): Row("/u/{author_name}", everyone()),
    ("/u/<username>/ignore", "POST"): Row("/u/{author_name}/ignore", signed_in("allowed")),
    ("/u/<username>/unignore", "POST"): Row("/u/{author_name}/unignore", signed_in("allowed")),
    # members: the directory is as public as profiles; the listing choice is each member's own;
    # a member's trust level is set by who may sanction them; the thresholds are the admin's.
    ("/members", "GET"): Row("/members", everyone()),
    ("/members/listing", "POST"): Row("/members/listing", signed_in("allowed"), {"show_in_directory": "y"}),
    ("/u/<username>/trust-level", "POST"): Row("/u/{author_name}/trust-level", moderators(),
                                               {"level": "2", "locked": "y"}),
    ("/admin/trust-levels", "GET"): Row("/admin/trust-levels", ADMIN_GET),
    ("/admin/trust-levels", "POST"): Row("/admin/trust-levels", admin_area()),
    ("/login", "GET"): Row("/login", everyone("ok")),
    ("/login", "POST"): Row("/login", everyone("allowed"), {"login": "nobody", "password": "wrong"}),
    ("/logout", "POST"): Row("/logout", everyone("allowed")),
    # sign-in with an OpenID Connect provider: none is configured here, so an unknown provider is a 404
    # once signed in where that is required (tests/sso walk the configured flows and who may use them)
    ("/sso/<provider_id>/start", "POST"): Row("/sso/brand/start", everyone("404")),
    ("/sso/<provider_id>/connect", "POST"): Row("/sso/brand/connect", signed_in("404")),
    ("/sso/<provider_id>/callback", "GET"): Row("/sso/brand/callback", everyone("404")),
    ("/sso/<provider_id>/complete", "GET"): Row("/sso/brand/complete", everyone("404")),
    ("/sso/<provider_id>/complete", "POST"): Row("/sso/brand/complete", everyone("404")),
    ("/sso/identities/<int:identity_id>/disconnect", "POST"): Row("/sso/identities/0/disconnect", signed_in("404")),
    ("/sso/signed-out", "GET"): Row("/sso/signed-out", everyone("302")),  # nothing to offer: home
    ("/sso/<provider_id>/signed-out", "GET"): Row("/sso/brand/signed-out", everyone("404")),
    ("/register", "GET"): Row("/register", everyone("ok")),
    ("/register", "POST"): Row("/register", everyone("allowed")),
    ("/code-of-conduct", "GET"): Row("/code-of-conduct", everyone()),
    ("/code-of-conduct", "POST"): Row("/code-of-conduct", signed_in("allowed", "403"),
                                              {"version": "{coc}", "accept": "y"}),
    ("/language", "POST"): Row("/language", everyone("allowed"), {"locale": "it"}),
    ("/color-scheme", "POST"): Row("/color-scheme", everyone("allowed"), {"scheme": "dark"}),
    ("/settings", "GET"): Row("/settings", signed_in()),
    ("/settings", "POST"): Row("/settings", signed_in("allowed"), {"display_name": "Renamed"}),
    ("/settings/password", "POST"): Row("/settings/password", signed_in("allowed")),
    # avatars: a member's own picture when they may take part (no file sent: the form answers 400);
    # removing one: the member themself or a moderator (the author has a picture: the probe sees it go)
    ("/settings/avatar", "GET"): Row("/settings/avatar", signed_in()),
    ("/settings/avatar", "POST"): Row("/settings/avatar", among(PARTICIPANTS, "allowed", "403")),
    ("/u/<username>/avatar/remove", "POST"): Row(
        "/u/{author_name}/avatar/remove", {a: "effect" if a in MODERATORS else "none" for a in ACTORS},
        probe=lambda w: count(User, User.id == w["author"], User.avatar_token.is_(None))(w)),
    ("/password/reset", "GET"): Row("/password/reset", everyone("ok")),
    ("/password/reset", "POST"): Row("/password/reset", everyone("allowed"), {"email": "nobody@example.com"}),
    ("/password/reset/<token>", "GET"): Row("/password/reset/forged-token", everyone("400")),
    ("/password/reset/<token>", "POST"): Row("/password/reset/forged-token", everyone("allowed")),
    ("/verify/<token>", "GET"): Row("/verify/forged-token", everyone("400")),
    ("/verify/resend", "POST"): Row("/verify/resend", signed_in("allowed")),
    ("/settings/sessions/<int:session_id>/revoke", "POST"): Row("/settings/sessions/999999/revoke",
                                                                signed_in("404")),  # not the actor's session
    ("/settings/sessions/revoke-others", "POST"): Row("/settings/sessions/revoke-others", signed_in("allowed")),
    ("/notifications", "GET"): Row("/notifications", signed_in()),
    ("/notifications/read", "POST"): Row("/notifications/read", signed_in("allowed")),
    ("/notifications/menu", "GET"): Row("/notifications/menu", signed_in()),
    ("/notifications/unread", "GET"): Row("/notifications/unread", signed_in()),
    # the author's own notice (the warning): nobody else may open it (404 for signed-in actors)
    ("/notifications/<int:notification_id>/open", "POST"): Row("/notifications/{notice}/open", nobody()),
    # notification preferences (issue 12); unsubscribing is public: the signed token in the URL says
    # whose mail (a member's summary here), one-click takes RFC 8058's body and no CSRF token
    ("/settings/notifications", "GET"): Row("/settings/notifications", signed_in()),
    ("/settings/notifications", "POST"): Row("/settings/notifications", signed_in("allowed"), {"digest": "daily"}),
    ("/email/unsubscribe/<token>", "GET"): Row("/email/unsubscribe/{unsubscribe_token}", everyone()),
    ("/email/unsubscribe/<token>", "POST"): Row("/email/unsubscribe/{unsubscribe_token}", everyone("effect"),
                                                {"List-Unsubscribe": "One-Click"},
                                                probe=lambda w: count(User, User.id == w["author"],
                                                                      User.digest == "never")(w)),
    ("/email/unsubscribe/<token>/choose", "POST"): Row("/email/unsubscribe/{unsubscribe_token}/choose",
                                                       everyone("302"), {"choice": "digest", "digest": "daily"}),
    # events
    ("/events", "GET"): Row("/events", everyone()),
    ("/events/past", "GET"): Row("/events/past", everyone()),
    ("/events/calendar", "GET"): Row("/events/calendar", signed_in()),
    ("/events/calendar", "POST"): Row("/events/calendar", signed_in("allowed")),
    ("/calendar.ics", "GET"): Row("/calendar.ics", everyone()),
    ("/events/c/<slug>.ics", "GET"): Row("/events/c/{events_slug}.ics", everyone()),
    ("/events/feed/<token>.ics", "GET"): Row("/events/feed/forged-token.ics", everyone("404")),
    # Default setting events_creators="staff": members do not create events.
    ("/events/new", "GET"): Row("/events/new", among(STAFF, "200", "403")),
    ("/events/new", "POST"): Row("/events/new", but(participants(), active="none"), {
        "title": "Table meetup", "category": "{events_category}", "timezone": "Europe/Rome",
        "start_date": "{event_day}", "start_time": "19:00", "end_date": "{event_day}", "end_time": "21:00",
        "venue": "Bar", "visibility": "public", "attendee_visibility": "hosts"}, probe=count(Event)),
    ("/events/<int:event_id>", "GET"): Row("/events/{members_event}", readers("301")),
    ("/events/<int:event_id>/<slug>", "GET"): Row("/events/{members_event}/{members_event_slug}", readers()),
    ("/events/<int:event_id>.ics", "GET"): Row("/events/{members_event}.ics", readers()),
    ("/events/<int:event_id>/rsvp", "POST"): Row("/events/{public_event}/rsvp",
                                                 but(participants(), visitor="login", suspended="login"),
                                                 {"status": "going"}, probe=count(EventRsvp)),
    ("/events/<int:event_id>/attendees", "GET"): Row("/events/{public_event}/attendees", MOD_GET),
    ("/events/<int:event_id>/attendees.csv", "GET"): Row("/events/{public_event}/attendees.csv", MOD_GET),
    ("/events/<int:event_id>/attendees/<int:user_id>/check-in", "POST"): Row(
        "/events/{public_event}/attendees/{author}/check-in", moderators("404")),  # not an attendee
    ("/events/<int:event_id>/attendees/<int:user_id>/remove", "POST"): Row(
        "/events/{public_event}/attendees/{author}/remove", moderators("404")),
    ("/events/<int:event_id>/approve", "POST"): Row("/events/{public_event}/approve", moderators("403")),  # not held
    ("/events/<int:event_id>/cancel", "POST"): Row("/events/{public_event}/cancel", moderators()),
    ("/events/<int:event_id>/edit", "GET"): Row("/events/{public_event}/edit", MOD_GET),
    ("/events/<int:event_id>/edit", "POST"): Row("/events/{public_event}/edit", moderators()),
    ("/events/<int:event_id>/rsvps", "POST"): Row("/events/{public_event}/rsvps", moderators()),
    # Only the invitee answers a co-host invitation; no actor is invited to the public event.
    ("/events/<int:event_id>/cohost/accept", "POST"): Row("/events/{public_event}/cohost/accept", nobody("403")),
    ("/events/<int:event_id>/cohost/decline", "POST"): Row("/events/{public_event}/cohost/decline",
                                                           nobody("403")),
    ("/admin/email", "GET"): Row("/admin/email", ADMIN_GET),
    ("/admin/email", "POST"): Row("/admin/email", admin_area(), {"away_minutes": "20", "digest_default": "daily"}),
    # uploads: files follow their post (here: a photo in the staff room), avatars are public
    ("/uploads", "POST"): Row("/uploads", among(PARTICIPANTS, "allowed", "403")),
    ("/uploads/<string(length=32):token>/<path:name>", "GET"): Row("/uploads/{staff_photo}/photo.png",
                                                                   staff_readers()),
    ("/uploads/thumbnails/<string(length=32):token>.webp", "GET"): Row("/uploads/thumbnails/{staff_photo}.webp",
                                                                       staff_readers()),
    ("/uploads/avatars/<string(length=32):token>/<int:size>.webp", "GET"): Row(
        "/uploads/avatars/{avatar}/48.webp", everyone()),
    ("/admin/uploads", "GET"): Row("/admin/uploads", ADMIN_GET),
    ("/admin/uploads", "POST"): Row("/admin/uploads", admin_area()),
    ("/admin/events", "GET"): Row("/admin/events", ADMIN_GET),
    ("/admin/events", "POST"): Row("/admin/events", admin_area()),
    ("/admin/tags", "GET"): Row("/admin/tags", ADMIN_GET),
    ("/admin/tags", "POST"): Row("/admin/tags", admin_area(), {"tag-name": "table-tag"}),
    # the world's tag ("roadmap", in the group "Table products"; "planning" is the other tag)
    ("/admin/tags/<int:tag_id>", "GET"): Row("/admin/tags/{tag}", ADMIN_GET),
    ("/admin/tags/<int:tag_id>", "POST"): Row("/admin/tags/{tag}", admin_area("302"),
                                              {"tag-name": "roadmap", "tag-description": "Said by the table."}),
    ("/admin/tags/<int:tag_id>/merge", "POST"): Row("/admin/tags/{tag}/merge", admin_area("302"),
                                                    {"merge-into": "planning"}),
    ("/admin/tags/<int:tag_id>/delete", "POST"): Row("/admin/tags/{tag}/delete", admin_area("effect"),
                                                     probe=count(Tag)),
    ("/admin/tags/groups", "POST"): Row("/admin/tags/groups", admin_area(), {"group-name": "Table group"}),
    ("/admin/tags/groups/<int:group_id>", "GET"): Row("/admin/tags/groups/{tag_group}", ADMIN_GET),
    ("/admin/tags/groups/<int:group_id>", "POST"): Row("/admin/tags/groups/{tag_group}", admin_area("302"),
                                                       {"group-name": "Table products", "group-position": "2"}),
    ("/admin/tags/rules", "POST"): Row("/admin/tags/rules", admin_area(), {"rule-min_tags": "0"}),
    ("/admin/tags/settings", "POST"): Row("/admin/tags/settings", admin_area(),
                                          {"settings-max_per_topic": "5", "settings-creators": "staff"}),
    # staff
    ("/staff/responses", "GET"): Row("/staff/responses", among(STAFF, "200", "403")),
    ("/settings/staff", "GET"): Row("/settings/staff", among({"staff"}, "200", "403")),
    ("/settings/staff", "POST"): Row("/settings/staff", among({"staff"}, "allowed", "403")),
    ("/admin/staff", "GET"): Row("/admin/staff", ADMIN_GET),
    ("/admin/staff/members", "GET"): Row("/admin/staff/members", ADMIN_GET),
    ("/admin/staff/experts", "GET"): Row("/admin/staff/experts", ADMIN_GET),
    ("/admin/staff/experts", "POST"): Row("/admin/staff/experts", admin_area()),
    ("/admin/staff/experts/<int:badge_id>/revoke", "POST"): Row("/admin/staff/experts/{badge}/revoke", admin_area()),
    ("/admin/staff/groups/new", "GET"): Row("/admin/staff/groups/new", ADMIN_GET),
    ("/admin/staff/groups/new", "POST"): Row("/admin/staff/groups/new", admin_area()),
    ("/admin/staff/groups/<int:group_id>", "GET"): Row("/admin/staff/groups/{group}", ADMIN_GET),
    ("/admin/staff/groups/<int:group_id>", "POST"): Row("/admin/staff/groups/{group}", admin_area()),
    ("/admin/staff/groups/<int:group_id>/delete", "POST"): Row("/admin/staff/groups/{group}/delete", admin_area()),
    ("/admin/staff/groups/<int:group_id>/members", "POST"): Row("/admin/staff/groups/{group}/members", admin_area()),
    ("/admin/staff/memberships/<int:membership_id>/primary", "POST"): Row(
        "/admin/staff/memberships/{membership}/primary", admin_area()),
    ("/admin/staff/memberships/<int:membership_id>/remove", "POST"): Row(
        "/admin/staff/memberships/{membership}/remove", admin_area()),
    # escalations (staff) and webhooks (admins); the world's endpoint is refused at sending time
    ("/t/<int:topic_id>/escalate", "GET"): Row("/t/{public_topic}/escalate", among(STAFF, "200", "403")),
    ("/t/<int:topic_id>/escalate", "POST"): Row("/t/{public_topic}/escalate", among(STAFF, "allowed", "403"),
                                                {"reason": "For the table", "priority": "low"}),
    ("/escalations", "GET"): Row("/escalations", among(STAFF, "200", "403")),
    ("/escalations/<int:escalation_id>/resolve", "POST"): Row("/escalations/{escalation}/resolve",
                                                              among(STAFF, "allowed", "403")),
    # crisis tools: slow mode, timers, category lock and announcements for moderators; the banner and
    # read-only mode for admins (the world's timer on the public topic was set by a moderator)
    ("/t/<int:topic_id>/crisis", "GET"): Row("/t/{public_topic}/crisis", moderators("200")),
    ("/t/<int:topic_id>/slow-mode", "POST"): Row("/t/{public_topic}/slow-mode", moderators(),
                                                 {"action": "start", "seconds": "60"}),
    ("/t/<int:topic_id>/timers", "POST"): Row("/t/{public_topic}/timers", moderators(),
                                              {"action": "close", "run_at": "2099-01-01T10:00"}),
    ("/crisis/timers/<int:timer_id>/cancel", "POST"): Row(
        "/crisis/timers/{timer}/cancel", among(MODERATORS, "effect", "403"),
        probe=count(TopicTimer, TopicTimer.cancelled_at.is_not(None))),
    ("/c/<slug>/crisis", "GET"): Row("/c/{public_slug}/crisis", moderators("200")),
    ("/c/<slug>/slow-mode", "POST"): Row("/c/{public_slug}/slow-mode", moderators(),
                                         {"action": "start", "seconds": "60"}),
    ("/c/<slug>/lock", "POST"): Row("/c/{public_slug}/lock", moderators(), {"action": "lock"}),
    ("/announce", "GET"): Row("/announce", moderators("200")),
    ("/announce", "POST"): Row("/announce", moderators(), {"title": "Table announcement", "body": "Preview only",
                                                           "preview": "1"}),
    ("/admin/crisis", "GET"): Row("/admin/crisis", ADMIN_GET),
    ("/admin/crisis", "POST"): Row("/admin/crisis", admin_area(), {"level": "info", "text_format": "plain",
                                                                   "text_en": "A banner from the table"}),
    ("/admin/crisis/banner/end", "POST"): Row("/admin/crisis/banner/end", admin_area()),
    ("/admin/crisis/read-only", "POST"): Row("/admin/crisis/read-only", admin_area(), {"action": "off"}),
    ("/admin/webhooks", "GET"): Row("/admin/webhooks", ADMIN_GET),
    ("/admin/webhooks/new", "GET"): Row("/admin/webhooks/new", ADMIN_GET),
    ("/admin/webhooks/new", "POST"): Row("/admin/webhooks/new", admin_area()),
    ("/admin/webhooks/<int:endpoint_id>", "GET"): Row("/admin/webhooks/{webhook}", ADMIN_GET),
    ("/admin/webhooks/<int:endpoint_id>", "POST"): Row("/admin/webhooks/{webhook}", admin_area()),
    ("/admin/webhooks/<int:endpoint_id>/secret", "POST"): Row("/admin/webhooks/{webhook}/secret", admin_area()),
    ("/admin/webhooks/<int:endpoint_id>/ping", "POST"): Row("/admin/webhooks/{webhook}/ping", admin_area()),
    ("/admin/webhooks/<int:endpoint_id>/delete", "POST"): Row("/admin/webhooks/{webhook}/delete", admin_area()),
    ("/admin/webhooks/<int:endpoint_id>/deliveries", "GET"): Row("/admin/webhooks/{webhook}/deliveries",
                                                                 ADMIN_GET),
    ("/admin/webhooks/deliveries/<int:delivery_id>", "GET"): Row("/admin/webhooks/deliveries/{delivery}",
                                                                 ADMIN_GET),
    ("/admin/webhooks/deliveries/<int:delivery_id>/redeliver", "POST"): Row(
        "/admin/webhooks/deliveries/{delivery}/redeliver", admin_area()),
    # admin
    ("/admin/", "GET"): Row("/admin/", ADMIN_GET),
    ("/admin/brand", "GET"): Row("/admin/brand", ADMIN_GET),
    ("/admin/brand", "POST"): Row("/admin/brand", admin_area()),
    ("/admin/brand/<any(logo, favicon, social):which>/remove", "POST"): Row("/admin/brand/logo/remove",
                                                                            admin_area()),
    ("/admin/reactions", "GET"): Row("/admin/reactions", ADMIN_GET),
    ("/admin/reactions", "POST"): Row("/admin/reactions", admin_area(), {"reactions": "sad"}),
    ("/admin/categories", "GET"): Row("/admin/categories", ADMIN_GET),
    ("/admin/categories/new", "GET"): Row("/admin/categories/new", ADMIN_GET),
    ("/admin/categories/new", "POST"): Row("/admin/categories/new", admin_area()),
    ("/admin/categories/<int:category_id>", "GET"): Row("/admin/categories/{club}", ADMIN_GET),
    ("/admin/categories/<int:category_id>", "POST"): Row("/admin/categories/{club}", admin_area()),
    ("/admin/code-of-conduct", "GET"): Row("/admin/code-of-conduct", ADMIN_GET),
    ("/admin/code-of-conduct", "POST"): Row("/admin/code-of-conduct", admin_area()),
    ("/admin/code-of-conduct/<int:version>/acceptances", "GET"): Row(
        "/admin/code-of-conduct/{coc}/acceptances", ADMIN_GET),
    ("/admin/plugins", "GET"): Row("/admin/plugins", ADMIN_GET),
    ("/admin/jobs", "GET"): Row("/admin/jobs", ADMIN_GET),
    ("/admin/jobs/<int:job_id>/retry", "POST"): Row("/admin/jobs/1/retry", admin_area()),
    ("/admin/jobs/mail/<int:message_id>/send-again", "POST"): Row("/admin/jobs/mail/1/send-again", admin_area()),
    ("/admin/plugins/<plugin_id>/<any(enable, disable):action>", "POST"): Row(
        "/admin/plugins/word_filter/enable", admin_area()),
    ("/admin/plugins/<plugin_id>/settings", "GET"): Row("/admin/plugins/word_filter/settings", admin_area("ok")),
    ("/admin/plugins/<plugin_id>/settings", "POST"): Row("/admin/plugins/word_filter/settings", admin_area()),
    # the bundled word_filter plugin's admin pages
    ("/admin/word-filter/", "GET"): Row("/admin/word-filter/", ADMIN_GET),
    ("/admin/word-filter/new", "GET"): Row("/admin/word-filter/new", ADMIN_GET),
    ("/admin/word-filter/new", "POST"): Row("/admin/word-filter/new", admin_area()),
    ("/admin/word-filter/<int:entry_id>", "GET"): Row("/admin/word-filter/{word}", ADMIN_GET),
    ("/admin/word-filter/<int:entry_id>", "POST"): Row("/admin/word-filter/{word}", admin_area()),
    ("/admin/word-filter/<int:entry_id>/delete", "POST"): Row("/admin/word-filter/{word}/delete", admin_area()),
    ("/admin/word-filter/import", "GET"): Row("/admin/word-filter/import", ADMIN_GET),
    ("/admin/word-filter/import", "POST"): Row("/admin/word-filter/import", admin_area()),
    ("/admin/word-filter/test", "GET"): Row("/admin/word-filter/test", ADMIN_GET),
    ("/admin/word-filter/test", "POST"): Row("/admin/word-filter/test", admin_area()),
    # private conversations (issue 16): nobody but their readers, 404 for everyone else; "staff" is in Customer Care
    ("/messages", "GET"): Row("/messages", signed_in()),
    ("/messages/new", "GET"): Row("/messages/new", signed_in()),
    ("/messages/new", "POST"): Row("/messages/new?group={group_name}", participants(),
                                   {"title": "Hello the staff", "body": "A question for the table."},
                                   probe=count(Conversation)),
    ("/messages/<int:conversation_id>", "GET"): Row("/messages/{group_conversation}", among({"staff"}, "200", "404")),
    ("/messages/<int:conversation_id>/reply", "POST"): Row("/messages/{group_conversation}/reply",
                                                           among({"staff"}, "302", "404"),
                                                           {"body": "An answer from the table."}),
    # Reading is recorded by a POST (conversation_read.js, or the no-script button): the readers only.
    ("/messages/<int:conversation_id>/read", "POST"): Row("/messages/{group_conversation}/read",
                                                          among({"staff"}, "302", "404")),
    ("/messages/<int:conversation_id>/archive", "POST"): Row("/messages/{conversation}/archive", nobody("404")),
    ("/messages/<int:conversation_id>/unarchive", "POST"): Row("/messages/{conversation}/unarchive", nobody("404")),
    ("/messages/<int:conversation_id>/leave", "POST"): Row("/messages/{conversation}/leave", nobody("404")),
    ("/messages/<int:conversation_id>/invite", "POST"): Row("/messages/{conversation}/invite", nobody("404"),
                                                            {"username": "modesto"}),
    ("/messages/<int:conversation_id>/members-may-invite", "POST"): Row(
        "/messages/{conversation}/members-may-invite", nobody("404"), {"allowed": "1"}),
    ("/messages/<int:conversation_id>/assign", "POST"): Row("/messages/{group_conversation}/assign",
                                                            among({"staff"}, "302", "404")),
    ("/messages/<int:conversation_id>/unassign", "POST"): Row("/messages/{group_conversation}/unassign",
                                                              among({"staff"}, "302", "404")),
    ("/messages/<int:conversation_id>/<int:number>/withdraw", "POST"): Row("/messages/{conversation}/1/withdraw",
                                                                           nobody("404")),
    # Quote (the composer's JSON): the conversation's readers only, like the conversation.
    ("/messages/<int:conversation_id>/<int:number>/quote", "GET"): Row("/messages/{group_conversation}/1/quote",
                                                                       among({"staff"}, "200", "404")),
    ("/messages/block/<username>", "POST"): Row("/messages/block/{author_name}", signed_in("302")),
    ("/messages/unblock/<username>", "POST"): Row("/messages/unblock/{author_name}", signed_in("302")),
    ("/messages/group/<name>", "GET"): Row("/messages/group/{group_name}", among({"staff"}, "200", "404")),
    ("/contact", "GET"): Row("/contact", everyone()),
    ("/admin/messages/inboxes", "GET"): Row("/admin/messages/inboxes", ADMIN_GET),
    ("/admin/messages/inboxes/<int:group_id>", "GET"): Row("/admin/messages/inboxes/{group}", ADMIN_GET),
    ("/admin/messages/inboxes/<int:group_id>", "POST"): Row("/admin/messages/inboxes/{group}", admin_area(),
                                                            {"enabled": "y", "description": "Orders"}),
    # messages' moderation (forum/messages/moderation_views.py, moving_views.py): flags by readers,
    # admins' break-glass reading (404 for everyone else, and for admins without a grant), staff moving
    # a public post to private ("staff" is in Customer Care) and the summary back
    ("/messages/flag/<int:message_id>", "GET"): Row("/messages/flag/{group_message}", among({"staff"}, "200", "404")),
    ("/messages/flag/<int:message_id>", "POST"): Row("/messages/flag/{group_message}", among({"staff"}, "302", "404"),
                                                     {"reason": "rude"}, probe=count(MessageFlag)),
    ("/messages/<int:conversation_id>/break-glass", "GET"): Row(
        "/messages/{conversation}/break-glass", {a: "200" if a == "admin" else "404" for a in ACTORS}),
    ("/messages/<int:conversation_id>/break-glass", "POST"): Row(
        "/messages/{conversation}/break-glass", {a: "302" if a == "admin" else "404" for a in ACTORS},
        {"reason": "The authorization table checks who may read."}),
    ("/messages/<int:conversation_id>/break-glass/read", "GET"): Row("/messages/{conversation}/break-glass/read",
                                                                     everyone("404")),
    ("/messages/continue-in-private/<int:post_id>", "GET"): Row("/messages/continue-in-private/{public_reply}",
                                                                among(STAFF, "200")),
    ("/messages/continue-in-private/<int:post_id>", "POST"): Row(
        "/messages/continue-in-private/{public_reply}", among(STAFF, "302"),
        {"message": "We continue in private.", "group": "personal"}),
    ("/messages/<int:conversation_id>/public-summary", "GET"): Row("/messages/{moved_conversation}/public-summary",
                                                                   among({"staff"}, "200", "404")),
    ("/messages/<int:conversation_id>/public-summary", "POST"): Row(
        "/messages/{moved_conversation}/public-summary", among({"staff"}, "302", "404"),
        {"body": "Solved, for the table."}),
    # infrastructure
    ("/healthz", "GET"): Row("/healthz", everyone()),
    # the brand's public files (forum/uploads/brand_views.py); the world has no uploaded favicon
    ("/favicon.ico", "GET"): Row("/favicon.ico", everyone()),
    ("/apple-touch-icon.png", "GET"): Row("/apple-touch-icon.png", everyone("404")),
    ("/manifest.webmanifest", "GET"): Row("/manifest.webmanifest", everyone()),
    ("/robots.txt", "GET"): Row("/robots.txt", everyone()),
    ("/brand/<string(length=32):token>/<variant>.<ext>", "GET"): Row(f"/brand/{'0' * 32}/logo.png", everyone("404")),
    ("/static/<path:filename>", "GET"): Row("/static/{static_file}", everyone()),
    ("/theme/<path:filename>", "GET"): Row("/theme/forged.css", everyone("404")),
    # privacy (issue 16): a member's own data and account; the links carry signed tokens (forged here)
    ("/settings/your-data", "GET"): Row("/settings/your-data", signed_in()),
    ("/settings/your-data", "POST"): Row("/settings/your-data", {a: "none" if a in SIGNED_OUT else "effect"
                                                                 for a in ACTORS}, probe=count(DataExport)),
    ("/settings/your-data/download/<token>", "GET"): Row("/settings/your-data/download/forged",
                                                         signed_in("404")),
    ("/settings/delete-account", "GET"): Row("/settings/delete-account", signed_in()),
    ("/settings/delete-account", "POST"): Row("/settings/delete-account", signed_in("4xx"),
                                              {"password": "not the password", "confirm": "y"}),
    ("/settings/delete-account/confirm/<token>", "GET"): Row("/settings/delete-account/confirm/forged",
                                                             everyone("400")),
    ("/settings/delete-account/confirm/<token>", "POST"): Row("/settings/delete-account/confirm/forged",
                                                              everyone("400")),
    ("/settings/delete-account/scheduled", "GET"): Row("/settings/delete-account/scheduled", signed_in("302")),
    ("/settings/delete-account/cancel", "POST"): Row("/settings/delete-account/cancel", signed_in("302")),
    ("/admin/members/<username>/anonymise", "POST"): Row("/admin/members/{author_name}/anonymise", admin_area(),
                                                         {"reason": "Asked by mail"}),
    ("/admin/privacy", "GET"): Row("/admin/privacy", ADMIN_GET),
    ("/admin/privacy", "POST"): Row("/admin/privacy", admin_area()),
    # insights (issue 15): the community health dashboard is for community managers (moderators, admins)
    ("/insights", "GET"): Row("/insights", MOD_GET),
    ("/insights/export.csv", "GET"): Row("/insights/export.csv", MOD_GET),
    ("/insights/refresh", "POST"): Row("/insights/refresh", moderators("302")),
    # ideas (issue 15): the world's board is public, with two of the author's ideas. Voting is
    # taking part (participants; the actor has no vote to take back, so unvoting is refused with a
    # message); staff give statuses; merging is a topic tool on both ideas (moderators only, the
    # form as the merge). The "Ideas by status" page is public; the
    # product team's CSV is staff's; boards are admins'.
    ("/ideas", "GET"): Row("/ideas", everyone()),
    ("/ideas/<slug>", "GET"): Row("/ideas/{idea_board_slug}", everyone()),
    ("/ideas/export.csv", "GET"): Row("/ideas/export.csv", among(STAFF, "200", "403")),
    ("/ideas/<int:topic_id>/vote", "POST"): Row("/ideas/{idea}/vote", among(PARTICIPANTS, "effect", "403"),
                                                probe=count(IdeaVote)),
    ("/ideas/<int:topic_id>/unvote", "POST"): Row("/ideas/{idea}/unvote", among(PARTICIPANTS, "302", "403")),
    ("/ideas/<int:topic_id>/status", "GET"): Row("/ideas/{idea}/status", among(STAFF, "200", "403")),
    ("/ideas/<int:topic_id>/status", "POST"): Row("/ideas/{idea}/status", among(STAFF, "effect", "403"),
                                                  {"status": "planned", "note": "Said by the table."},
                                                  probe=count(IdeaStatusChange)),
    ("/ideas/<int:topic_id>/merge", "GET"): Row("/ideas/{idea}/merge", among(MODERATORS, "200", "403")),
    ("/ideas/<int:topic_id>/merge", "POST"): Row("/ideas/{idea}/merge", among(MODERATORS, "effect", "403"),
                                                 {"target": "{other_idea}"}, probe=count(IdeaStatusChange)),
    ("/admin/ideas", "GET"): Row("/admin/ideas", ADMIN_GET),
    ("/admin/ideas", "POST"): Row("/admin/ideas", admin_area(), {"default_budget": "5"}),
    ("/admin/ideas/boards", "POST"): Row("/admin/ideas/boards", admin_area("302"),
                                         {"board-category_id": world_id("club"), "board-vote_budget": "3"}),
    ("/admin/ideas/boards/<int:category_id>/remove", "POST"): Row("/admin/ideas/boards/{idea_board}/remove",
                                                                  admin_area("effect"), probe=count(IdeaBoard)),
}

# Rules deliberately outside the table, with the reason.
EXEMPT: dict[tuple[str, str], str] = {}
