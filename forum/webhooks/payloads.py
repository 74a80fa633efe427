"""Each event's ``data``: the REST API's own representations (:mod:`forum.api.representations`),
so a receiver parses one shape whether it polls the API or listens to webhooks.

Which endpoints hear of an event is decided before this (forum.webhooks.hooks): by default
only events on what a visitor could read (a topic, a post or a meetup outside members-only
and staff-only categories); an endpoint an admin ticked "Include members-only and
staff-only content" for also hears of the rest, with its text. The objects themselves are
built with no viewer (``post_json(post)``: the API's rules for a visitor), so a hidden or
withdrawn post's body is null and a post's Markdown is left out, whoever receives it.
What staff know about the event rides beside the object: who hid a post
and why, a flag's reason and note, who approved a member. Webhooks go to the brand's own
systems, configured by an admin, so one thing a visitor never sees is included: a member's
e-mail address, in ``member_registered`` and ``member_approved`` only (a CRM or helpdesk keys
people by it). Never a password hash, a session, an IP address or a secret.
"""

from __future__ import annotations

from typing import Any

from forum.api import representations as api
from forum.discussions.models import Post
from forum.extensions import db

Data = dict[str, Any]


def post_data(post: Any) -> Data:
    return {"post": api.post_json(post), "topic": api.topic_json(post.topic)}


def topic_created(topic: Any, post: Any) -> Data:
    return {"topic": api.topic_json(topic), "post": api.post_json(post)}


def post_hidden(post: Any, actor: Any, reason: str) -> Data:
    return {**post_data(post), "reason": reason, "hidden_by": api.user_ref(actor), "by_flags": actor is None}


def post_flagged(post: Any, flag: Any) -> Data:
    return {**post_data(post), "flag": api.flag_json(flag)}


def question_solved(topic: Any, actor: Any) -> Data:
    solution = db.session.get(Post, topic.solution_post_id) if topic.solution_post_id else None
    return {"topic": api.topic_json(topic), "post": api.post_json(solution) if solution is not None else None,
            "marked_by": api.user_ref(actor)}


def member(user: Any, actor: Any = None) -> Data:
    data: Data = {"user": api.user_json(user), "email": user.email}
    if actor is not None:
        data["approved_by"] = api.user_ref(actor)
    return data


def event_created(event: Any) -> Data:
    return {"event": api.event_json(event)}


def rsvp_changed(event: Any, rsvp: Any, previous: str | None) -> Data:
    return {"event": api.event_json(event), "rsvp": api.rsvp_json(rsvp), "previous_status": previous}


def escalation_created(escalation: Any) -> Data:
    post = escalation.post
    return {"escalation": api.escalation_json(escalation), "topic": api.topic_json(escalation.topic),
            "post": api.post_json(post) if post is not None else None}
