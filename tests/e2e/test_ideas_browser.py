"""Ideas in a real browser (issue 15's Done-when): a member posts an idea with a tag in an ideas
board, three members vote from the idea's page, a staff member marks it "planned" with a note, and
every voter is notified (their bell shows it); the board's list sorts it first and shows the chips."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions.models import Topic
from forum.extensions import db
from forum.ideas import boards
from forum.ideas.models import Idea
from forum.ideas.notices import IDEA_STATUS
from forum.notifications.models import Notification
from forum.tags.models import Tag
from tests.e2e.conftest import login
from tests.factories import make_category, make_established_user, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def new_page(browser: Any, live_server: Any, width: int = 1280) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Rome",
                                  viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def test_member_posts_an_idea_three_vote_staff_plan_it_and_every_voter_is_notified(browser, live_server, app):
    category = make_category("Ideas", slug="ideas")
    boards.make_board(make_user("boss", role="admin"), category, 5)
    db.session.add(Tag(name="moka-pro"))
    db.session.commit()
    make_established_user("marco")
    voters = ["chiara", "sophie", "oliver"]
    for name in voters:
        make_user(name)
    make_user("emma", role="moderator", staff=True)

    page = new_page(browser, live_server)
    login(page, "marco")
    page.goto("/ideas/ideas")
    page.get_by_role("link", name="Suggest an idea").click()
    page.get_by_label("Title").fill("A timer that turns the hob off")
    page.locator("textarea[name=body]").fill("When the coffee is up, the **Moka Pro** could tell the hob to stop.")
    page.get_by_label("Tags").fill("moka-pro")
    page.get_by_role("button", name="Create topic").click()
    page.wait_for_url("**/t/**")
    topic = db.session.scalar(select(Topic).where(Topic.title == "A timer that turns the hob off"))
    assert topic is not None
    expect(page.locator(".idea-panel")).to_contain_text("0 votes")
    page.context.close()

    for n, name in enumerate(voters, start=1):
        voter = new_page(browser, live_server, 375 if name == "oliver" else 1280)
        login(voter, name)
        voter.goto(f"/t/{topic.slug}/{topic.id}")
        voter.get_by_role("button", name="Vote for this idea").click()
        expect(voter.locator(".idea-count")).to_have_text(f"{n} vote" if n == 1 else f"{n} votes")
        expect(voter.locator(".idea-panel")).to_contain_text("You have 4 votes left on this board.")
        expect(voter.get_by_role("button", name="Take back my vote")).to_be_visible()
        assert voter.js_errors == []
        voter.context.close()

    staff = new_page(browser, live_server)
    login(staff, "emma")
    staff.goto(f"/t/{topic.slug}/{topic.id}")
    staff.get_by_role("link", name="Set status").click()
    staff.get_by_label("Status").select_option("planned")
    staff.get_by_label("Public note").fill("On the roadmap for the **spring** series.")
    staff.get_by_role("button", name="Save and tell voters").click()
    staff.wait_for_url(f"**/t/{topic.slug}/{topic.id}")
    expect(staff.locator(".idea-panel .idea-status")).to_have_text("Planned")
    expect(staff.locator(".idea-note strong")).to_have_text("spring")
    staff.goto("/ideas/ideas")
    expect(staff.locator("table.ideas tbody tr").first).to_contain_text("A timer that turns the hob off")
    expect(staff.locator("table.ideas tbody tr").first).to_contain_text("Planned")
    staff.context.close()

    db.session.expire_all()
    assert db.session.get(Idea, topic.id).vote_count == 3
    notified = sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == IDEA_STATUS)))
    voter_ids = list(db.session.scalars(select(User.id).where(User.username.in_(voters))))
    marco = topic.user_id  # the author watches the topic they started: told too
    assert notified == sorted([*voter_ids, marco])
    for name in voters:
        bell = new_page(browser, live_server)
        login(bell, name)
        bell.goto("/notifications")
        expect(bell.locator("main")).to_contain_text("The idea “A timer that turns the hob off” is now: Planned")
        bell.context.close()
    tags = db.session.scalar(select(Tag).where(Tag.name == "moka-pro"))
    assert tags is not None and tags.topic_count == 1
