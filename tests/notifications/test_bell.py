"""The bell (forum.notifications.services.menu / open_notice, /notifications/menu): unread
replies in one topic fold into one line that opens the earliest of them and marks them all
read; the menu's statements do not grow with the notices; "mark all read" goes back safely."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from forum import jobs
from forum.discussions import services as discussions
from forum.extensions import db
from forum.moderation import services as moderation
from forum.notifications.models import Notification
from tests.factories import hold_new_members, make_topic, make_user, support_category


def reply(topic: Any, author: Any, body: str) -> Any:
    post = discussions.create_reply(author, topic, body).post
    jobs.run_pending()
    return post


def unread(user: Any) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.read_at.is_(None))))


def test_replies_fold_into_one_line_that_opens_the_earliest_even_when_approved_late(app, client):
    anna, mod = make_user("anna"), make_user("mona", role="moderator")
    topic = make_topic(anna, support_category(), title="Kettle whistles")
    jobs.run_pending()
    hold_new_members(1)
    held = reply(topic, make_user("newbie"), "Mine too.")  # #2, waits for a moderator
    hold_new_members(0)
    reply(topic, make_user("bruno"), "Descale it.")       # #3, told first
    reply(topic, make_user("carla"), "Citric acid works.")  # #4
    moderation.approve_item(mod, moderation.open_item_for_post(held.id))  # #2 told last
    jobs.run_pending()
    assert len(unread(anna)) == 3
    client.login("anna")
    menu = client.get("/notifications/menu").get_data(as_text=True)
    assert menu.count('class="notice-form"') == 1, menu
    assert "3 new replies in “Kettle whistles”" in menu
    action = re.search(r'action="(/notifications/(\d+)/open)"', menu)
    through = re.search(r'name="through" value="(\d+)"', menu)
    assert action and through
    response = client.post_form(action.group(1), {"through": through.group(1)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}/{held.post_number}")
    assert unread(anna) == []


def test_the_menu_costs_the_same_statements_for_1_or_20_notices(app, client, count_queries):
    anna = make_user("anna")
    client.login("anna")

    def statements() -> int:
        with count_queries() as queries:
            assert client.get("/notifications/menu").status_code == 200
        return queries.count

    topic = make_topic(anna, support_category(), title="The first one")
    reply(topic, make_user("bruno"), "@anna hello")
    one = statements()
    for n in range(19):
        other = make_topic(make_user(f"asker{n}"), support_category(), title=f"Topic {n}")
        reply(other, make_user(f"writer{n}"), f"@anna look at this {n}")
    assert len(unread(anna)) == 20
    assert statements() == one


def test_mark_all_read_goes_back_only_to_this_site(app, client):
    anna = make_user("anna")
    topic = make_topic(anna, support_category(), title="Going back")
    reply(topic, make_user("bruno"), "@anna hi")
    client.login("anna")
    response = client.post_form("/notifications/read", {"next": "https://evil.example/phish"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
    assert unread(anna) == []
    reply(topic, make_user("carla"), "@anna again")
    response = client.post_form("/notifications/read", {"next": f"/t/{topic.slug}/{topic.id}"})
    assert response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}")


def test_the_count_for_an_open_page_in_the_members_language(app, client):
    anna = make_user("anna", locale="it")
    topic = make_topic(anna, support_category(), title="Counting notices")
    client.login("anna")
    response = client.get("/notifications/unread")
    assert response.get_json() == {"unread": 0, "label": "Notifiche"}
    reply(topic, make_user("bruno"), "@anna ciao")
    reply(topic, make_user("carla"), "@anna anche io")
    response = client.get("/notifications/unread")
    assert response.get_json() == {"unread": 2, "label": "2 notifiche non lette"}
    assert response.headers["Cache-Control"] == "no-store"
    client.post_form("/logout")
    assert client.get("/notifications/unread").status_code in (302, 401)
