"""The member directory: who is listed (privacy choice, member states), search, filters, sorts,
keyset pages, and constant SQL per page."""

from __future__ import annotations

import re
from datetime import timedelta

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.members.directory import PER_PAGE
from forum.staff.models import ExpertBadge
from tests.factories import make_staff, make_user
from tests.factories.accounts import make_member_in_state


def _names(html: str) -> list[str]:
    return re.findall(r'<a class="user-link" href="/u/([^"]+)"', html)


def _page(client, url: str = "/members") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_excluded_states_and_the_privacy_choice(app, client):
    make_user("shown")
    make_user("hidden", show_in_directory=False)
    for state in ("unverified", "pending", "rejected", "suspended"):
        make_member_in_state(state, f"st{state}")
    make_user("gone", membership="erased")
    make_user("leaving", membership="leaving")
    silenced = make_member_in_state("silenced", "quiet")
    names = _names(_page(client))
    assert "shown" in names and silenced.username in names
    assert not {"hidden", "stunverified", "stpending", "strejected", "stsuspended", "gone", "leaving"} & set(names)


def test_a_member_opts_out_and_back_in_from_their_settings(app, client):
    make_user("shy")
    client.login("shy")
    settings = client.get("/settings").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="show_in_directory"[^>]*>', settings)
    assert "Show me in the member directory" in settings and checkbox and "checked" in checkbox.group(0)
    assert client.post_form("/members/listing", {}).status_code == 302  # unticked: not listed
    assert "shy" not in _names(_page(client))
    checkbox = re.search(r'<input[^>]*name="show_in_directory"[^>]*>', client.get("/settings").get_data(as_text=True))
    assert checkbox and "checked" not in checkbox.group(0)
    db.session.expire_all()
    assert db.session.scalar(db.select(User.show_in_directory).where(User.username == "shy")) is False
    client.post_form("/members/listing", {"show_in_directory": "y"})
    assert "shy" in _names(_page(client))
    checkbox = re.search(r'<input[^>]*name="show_in_directory"[^>]*>', client.get("/settings").get_data(as_text=True))
    assert checkbox and "checked" in checkbox.group(0)


def test_search_by_name_and_filters(app, client):
    make_user("mokafan", display_name="Moka Fan")
    make_user("brewer", display_name="Cold Brewer")
    expert = make_user("expertise")
    db.session.add(ExpertBadge(user_id=expert.id, label="Grinders"))
    make_user("regular", trust_level=3)
    make_staff("agent")
    db.session.commit()
    assert _names(_page(client, "/members?q=moka")) == ["mokafan"]
    assert _names(_page(client, "/members?q=brewer")) == ["brewer"]  # display name too
    assert _names(_page(client, "/members?q=%25")) == []  # LIKE's wildcards are literal
    experts = _page(client, "/members?group=experts")
    assert _names(experts) == ["expertise"] and "Grinders" in experts
    assert set(_names(_page(client, "/members?group=regulars"))) == {"regular", "agent"}
    assert _names(_page(client, "/members?group=staff")) == ["agent"]


def test_sorts_and_keyset_pages_meet_everyone_once(app, client):
    now = utcnow()
    for i in range(PER_PAGE + 5):
        make_user(f"m{i:02d}", post_count=i % 7, likes_received=i % 3, created_at=now - timedelta(days=i),
                  last_seen_at=now - timedelta(hours=i) if i % 2 else None)
    for sort in ("posts", "likes", "joined"):
        seen = _walk(client, f"/members?sort={sort}")
        assert sorted(seen) == sorted(f"m{i:02d}" for i in range(PER_PAGE + 5)), sort
        assert len(seen) == len(set(seen)), sort
    by_posts = _names(_page(client, "/members?sort=posts"))
    counts = [int(name[1:]) % 7 for name in by_posts]
    assert counts == sorted(counts, reverse=True)
    assert _names(_page(client, "/members?sort=joined"))[0] == "m00"


def _walk(client, url: str) -> list[str]:
    names: list[str] = []
    while url:
        html = _page(client, url)
        names += _names(html)
        more = re.search(r'<p class="more"><a class="button" href="([^"]+)"', html)
        url = more.group(1).replace("&amp;", "&") if more else ""
    return names


def test_recently_seen_is_for_moderators_only(app, client):
    """Its cursors carry the last-seen time: anyone else could forge them and bisect a
    member's exact last visit. Visitors and members asking for it get the default sort."""
    now = utcnow()
    for i in range(2 * PER_PAGE):
        make_user(f"s{i:02d}", likes_received=i, last_seen_at=now - timedelta(hours=i) if i % 3 else None)
    make_user("member")
    make_user("watcher", role="moderator", show_in_directory=False)
    for who in (None, "member"):
        if who:
            client.login(who)
        html = _page(client, "/members?sort=seen")
        assert 'value="seen"' not in html and "Recently seen" not in html
        names = _names(html)
        assert names[:2] == ["s59", "s58"]  # most likes received first: the default sort
        # A forged "seen" cursor is no position in the likes order: nothing about visits.
        cursor = f"{int(now.timestamp() * 1_000_000)}_999999"
        assert client.get(f"/members?sort=seen&after={cursor}").status_code == 400
        assert _names(_page(client, "/members?sort=seen&after=100_999999")) == names
    moderator = app.test_client()
    moderator.login("watcher")
    assert 'value="seen"' in _page(moderator, "/members")
    walked = _walk(moderator, "/members?sort=seen")
    # Newest visit first ("member" signed in just now); never seen: not in this sort.
    assert walked == ["member"] + [f"s{i:02d}" for i in range(2 * PER_PAGE) if i % 3]


def test_the_directory_is_rate_limited(app, database_url, tmp_path):
    from tests.conftest import FormClient, make_app

    limited = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_DIRECTORY="3 per minute")
    limited.test_client_class = FormClient
    visitor = limited.test_client()
    assert [visitor.get("/members").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_crafted_cursor_is_a_400(app, client):
    assert client.get("/members?after=nonsense").status_code == 400
    assert client.get("/members?sort=likes&after=9223372036854775808_1").status_code == 400


def test_constant_sql_per_page(app, client, count_queries):
    def statements() -> int:
        client.get("/members")
        with count_queries() as q:
            assert client.get("/members").status_code == 200
        return q.count

    make_user("alone")
    few = statements()
    for i in range(20):
        user = make_user(f"many{i}", trust_level=i % 5)
        db.session.add(ExpertBadge(user_id=user.id, label=f"Badge {i}"))
    db.session.commit()
    assert statements() == few
    listed = _names(client.get("/members").get_data(as_text=True))
    assert set(listed) == {"alone"} | {f"many{i}" for i in range(20)}


def test_profile_shows_the_level_and_staff_set_it(app, client):
    member = make_user("climber", trust_level=2)
    make_user("modesto", role="moderator")
    page = client.get("/u/climber").get_data(as_text=True)
    assert "Trust level: Member" in page and "Change the trust level" not in page
    client.login("modesto")
    assert "Change the trust level" in client.get("/u/climber").get_data(as_text=True)
    client.post_form("/u/climber/trust-level", {"level": "4", "locked": "y", "reason": "Runs the meetups"})
    db.session.expire_all()
    assert member.trust_level == 4 and member.trust_level_locked
    assert "Trust level: Leader" in client.get("/u/climber").get_data(as_text=True)


def test_header_links_to_the_directory(app, client):
    assert 'href="/members"' in client.get("/").get_data(as_text=True)


def test_the_default_sort_is_a_column_the_table_shows_and_levels_say_when_they_move(app, client):
    make_user("liked", likes_received=5, post_count=1)
    make_user("chatty", likes_received=1, post_count=50)
    html = _page(client)
    assert _names(html) == ["liked", "chatty"]
    assert re.search(r'<option value="likes" selected>Most likes received</option>', html)
    assert "Likes received</th>" in html
    assert "Trust levels are recomputed every hour." in html
