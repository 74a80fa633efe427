"""Statuses notify every voter and watcher once (through the job queue), keep their history and
are audited; merging carries votes over without counting anyone twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.audit.models import AuditLog
from forum.discussions.models import NotificationLevel
from forum.discussions.watching import set_topic_level
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.ideas import status, votes
from forum.ideas.models import Idea, IdeaBoard, IdeaStatusChange, IdeaVote
from forum.ideas.notices import IDEA_STATUS, JOB
from forum.jobs.models import Job
from forum.notifications.models import Notification
from tests.factories import make_user
from tests.ideas.helpers import make_board, make_idea, vote_count


def _notified(kind: str = IDEA_STATUS) -> list[int]:
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_status_change_notifies_each_voter_and_watcher_exactly_once_through_the_queue(app):
    board = make_board()
    author = make_user("author")
    idea = make_idea(board, "Bigger water tank", author=author)
    voters = [make_user(f"voter{n}") for n in range(3)]
    for member in voters:
        votes.vote(member, idea)
    watcher = make_user("watcher")
    set_topic_level(watcher, idea, int(NotificationLevel.WATCHING))
    set_topic_level(voters[0], idea, int(NotificationLevel.WATCHING))  # voter AND watcher: one notice
    staff = make_user("emma", role="moderator")
    set_topic_level(staff, idea, int(NotificationLevel.WATCHING))  # the one who changed it hears nothing
    change = status.set_status(staff, idea, "planned", "Coming in **spring**.")
    assert _notified() == []  # nothing in the request: one job, run after the commit
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.name == JOB)) == 1
    jobs.run_pending()
    expected = sorted([m.id for m in voters] + [watcher.id, author.id])  # the author watches what they started
    assert _notified() == expected
    jobs.enqueue(JOB, {"change": change.id})  # a retried job notifies nobody twice
    db.session.commit()
    jobs.run_pending()
    assert _notified() == expected
    notice = db.session.scalar(select(Notification).where(Notification.user_id == voters[1].id))
    assert notice.params == {"title": "Bigger water tank", "status": "planned"}


def test_status_keeps_history_cooks_the_note_and_is_audited(app):
    board = make_board()
    idea = make_idea(board)
    staff = make_user("emma", role="moderator")
    status.set_status(staff, idea, "under_review", "Looking into it.")
    status.set_status(staff, idea, "planned", "Coming in **spring**. <script>x</script>")
    row = db.session.get(Idea, idea.id)
    assert row.status == "planned" and "<strong>spring</strong>" in row.status_note and "<script" not in row.status_note
    changes = db.session.scalars(select(IdeaStatusChange).where(IdeaStatusChange.topic_id == idea.id)
                                 .order_by(IdeaStatusChange.id)).all()
    assert [(c.previous, c.status) for c in changes] == [("", "under_review"), ("under_review", "planned")]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "idea.status")).all()
    assert [a.after["status"] for a in audit] == ["under_review", "planned"]
    with pytest.raises(ValidationFailed):
        status.set_status(staff, idea, "planned", "Coming in **spring**. <script>x</script>")  # nothing new
    with pytest.raises(ValidationFailed):
        status.set_status(staff, idea, "invented", "")
    with pytest.raises(PermissionDenied):
        status.set_status(make_user("member"), idea, "shipped", "")


def test_merge_carries_votes_over_without_counting_anyone_twice(app):
    board = make_board(budget=3)
    duplicate, target = make_idea(board, "Timer please"), make_idea(board, "A built-in timer")
    both, only_dup, only_target = make_user("both"), make_user("dup"), make_user("target")
    for member in (both, only_dup):
        votes.vote(member, duplicate)
    for member in (both, only_target):
        votes.vote(member, target)
    moderator = make_user("mod", role="moderator")
    moved = status.merge_ideas(moderator, duplicate, target, "Same request.")
    assert moved == 1
    assert vote_count(target.id) == 3 == status.vote_total(target.id)
    assert vote_count(duplicate.id) == 0 == status.vote_total(duplicate.id)
    voters = sorted(db.session.scalars(select(IdeaVote.user_id).where(IdeaVote.topic_id == target.id)))
    assert voters == sorted([both.id, only_dup.id, only_target.id])
    board_row = db.session.get(IdeaBoard, board.id)
    assert votes.votes_left(both, board_row) == 2  # the second vote came back
    db.session.refresh(duplicate)
    row = db.session.get(Idea, duplicate.id)
    assert duplicate.is_locked and duplicate.state == "published"  # closed, never deleted
    assert row.status == "merged" and row.merged_into_id == target.id
    assert f"/t/{target.slug}/{target.id}" in row.status_note
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "idea.merge")).after["topic_id"] == target.id
    with pytest.raises(ValidationFailed):
        status.merge_ideas(moderator, duplicate, target)  # already merged
    with pytest.raises(PermissionDenied):
        votes.vote(make_user("late"), duplicate)  # locked: no votes


def test_members_may_not_merge(app):
    board = make_board()
    a, b = make_idea(board), make_idea(board)
    with pytest.raises(PermissionDenied):
        status.merge_ideas(make_user("member"), a, b)


def test_a_merge_tells_the_duplicates_voters_and_watchers_once(app):
    board = make_board()
    duplicate, target = make_idea(board, "Timer please"), make_idea(board, "A built-in timer")
    fans = [make_user(f"fan{n}") for n in range(2)]
    for member in fans:
        votes.vote(member, duplicate)
    votes.vote(fans[0], target)
    target_only = make_user("target-only")
    votes.vote(target_only, target)
    status.merge_ideas(make_user("mod", role="moderator"), duplicate, target)
    jobs.run_pending()
    expected = sorted([fans[0].id, fans[1].id, duplicate.user_id])  # voters and the author (watching)
    assert _notified() == expected
    assert target_only.id not in _notified()
