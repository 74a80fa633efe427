"""What members hear when an idea's status changes: the notification kind and its fan-out job.

A status change queues ONE job in its transaction (``ideas.notify_status``); the job notifies
every member who voted for the idea or watches it (discussions' watchers: the topic's or its
category's level), except the staff member who changed it and anyone who can no longer read
it. The dedupe key ``idea-status:<change id>`` makes a retried job notify nobody twice. The
sentence is rendered when read: the status's label in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, union

from forum import jobs
from forum.accounts.models import User
from forum.discussions.models import Topic
from forum.discussions.permissions import can_see_topic
from forum.discussions.watching import watchers_query
from forum.extensions import db
from forum.notifications import Delivery, NotificationKind, register_kinds
from forum.notifications.kinds import Params
from forum.notifications.services import NewNotice, notify_all

from .models import IdeaStatusChange, IdeaVote
from .statuses import status_label

JOB = "ideas.notify_status"
IDEA_STATUS = "idea_status"
BATCH = 500


def _message(p: Params) -> str:
    return _("The idea “%(title)s” is now: %(status)s", title=p["title"], status=status_label(p["status"]))


KINDS = (
    NotificationKind(IDEA_STATUS, message=_message, subject=_message, default_delivery=Delivery.EMAIL,
                     label=_l("An idea you voted for or watch changes status")),
)


def init_app(app: Flask) -> None:
    register_kinds(app, *KINDS)
    jobs.register_job(app, jobs.JobType(JOB, run_notify_status, max_attempts=5))


def queue_status_notices(change: IdeaStatusChange, former_voters: Sequence[int] = ()) -> None:
    """In the change's transaction (after its flush): the fan-out runs after the commit.
    ``former_voters``: members whose votes a merge moved away, told of the merge too."""
    jobs.enqueue(JOB, {"change": change.id, "voters": sorted(set(former_voters))}, dedupe_key=f"{JOB}:{change.id}")


def audience_query(topic: Topic, former_voters: Sequence[int] = ()) -> Any:
    """Ids of the idea's voters and watchers, in one statement (a union: nobody twice)."""
    voters = select(IdeaVote.user_id.label("user_id")).where(IdeaVote.topic_id == topic.id)
    watchers = watchers_query(topic, first_post=False)
    parts = [voters, watchers]
    if former_voters:
        parts.append(select(User.id.label("user_id")).where(User.id.in_(list(former_voters))))
    return union(*parts).subquery("audience")


def run_notify_status(payload: dict[str, Any]) -> None:
    change = db.session.get(IdeaStatusChange, int(payload.get("change") or 0))
    topic = db.session.get(Topic, change.topic_id) if change is not None else None
    if change is None or topic is None:
        return
    audience = audience_query(topic, [int(i) for i in payload.get("voters") or []])
    url = url_for("discussions.topic", slug=topic.slug, topic_id=topic.id, _external=False)
    params = {"title": topic.title, "status": change.status}
    after_id = 0
    while True:  # a batch at a time: a popular idea may have thousands of voters
        users = list(db.session.scalars(select(User).where(User.id.in_(select(audience.c.user_id)), User.id > after_id,
                                                           User.id != (change.changed_by_id or 0))
                                        .order_by(User.id).limit(BATCH)))
        if not users:
            break
        after_id = users[-1].id
        notify_all([NewNotice(user, IDEA_STATUS, params, url=url, dedupe_key=f"idea-status:{change.id}",
                              topic_id=topic.id, actor_id=change.changed_by_id)
                    for user in users if can_see_topic(user, topic)])
    db.session.commit()
