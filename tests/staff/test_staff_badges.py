"""Badges everywhere a name shows (posts, topic lists, profiles), at a constant query count."""

from __future__ import annotations

from forum.discussions import services as discussions
from forum.extensions import db
from forum.staff import services as staff
from tests.factories import general_category, group_named, make_reply, make_staff, make_topic, make_user


def test_post_shows_primary_badge_title_and_expert_badge(app, client) -> None:
    admin = make_user(role="admin")
    care = staff.save_group(admin, None, {"name": "Customer Care", "label": "Care team", "color": "#ffd400",
                                          "icon": "☕", "default_title": "Support"})
    giulia = make_staff("giulia", "Customer Care", display_name="Giulia Romano", title="Community Manager")
    marco = make_user("marco", display_name="Marco Bianchi")
    staff.grant_expert(admin, marco, label="Power user")
    topic = make_topic(marco, general_category(), title="Grinder settings for moka")
    make_reply(topic, giulia)

    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert 'class="staff-badge"' in html
    assert "Care team" in html and "☕" in html
    assert f"--badge-bg: {care.color}; --badge-fg: #000000" in html  # contrast-picked text colour
    assert "Staff: Customer Care" in html  # the badge says what it is in words, not only colour
    assert "Community Manager" in html
    assert 'class="expert-badge"' in html and "Power user" in html


def test_topic_list_shows_last_poster_badge(app, client) -> None:
    giulia = make_staff("giulia", "Customer Care")
    topic = make_topic(make_user(), general_category(), title="Latest list badge check")
    make_reply(topic, giulia)
    html = client.get("/latest").get_data(as_text=True)
    row = html[html.index("Latest list badge check"):]
    row = row[:row.index("</tr>")]
    assert 'class="staff-badge"' in row and "Customer Care" in row


def test_profile_shows_every_badge(app, client) -> None:
    admin = make_user(role="admin")
    user = make_staff("emma", "Product", title="Head of Product")
    staff.add_member_by_group_name(user, "Customer Care", create=True)
    staff.grant_expert(admin, user, label="Coffee nerd")
    html = client.get("/u/emma").get_data(as_text=True)
    head = html[html.index("profile-head"):html.index("</section>")]
    for text in ("Product", "Customer Care", "Head of Product", "Coffee nerd"):
        assert text in head
    assert head.index("Product") < head.index("Customer Care")  # primary first


def _busy_topic(n_posts: int, title: str) -> object:
    """A topic whose posts are all by different people: staff of several groups (some official),
    experts and plain members."""
    admin = make_user(role="admin")
    groups = ["Customer Care", "Product", "Acme Team", "Engineering"]
    opener = make_staff(None, groups[0], title="Community Manager", initials="CM")
    topic = make_topic(opener, general_category(), title=title)
    for i in range(1, n_posts):
        kind = i % 3
        if kind == 0:
            author = make_user()
            staff.grant_expert(admin, author, label=f"Expert {i % 2}")
            discussions.create_reply(author, topic, f"Expert advice number {i}.")
        else:
            author = make_staff(None, groups[i % len(groups)], title=f"Title {i}")
            if i % 4 == 0:
                staff.add_member_by_group_name(author, groups[(i + 1) % len(groups)], create=True)
            discussions.create_reply(author, topic, f"Staff answer number {i}.", official=(kind == 1))
    db.session.expire_all()
    return topic


def test_topic_page_query_count_does_not_grow_with_badged_authors(app, client, count_queries) -> None:
    small = _busy_topic(1, "One post only here")
    big = _busy_topic(20, "Twenty posts by twenty people")
    client.get(f"/t/{small.slug}/{small.id}")  # warm caches (settings, plugins) the same way
    with count_queries() as one:
        page = client.get(f"/t/{small.slug}/{small.id}")
    assert page.status_code == 200
    with count_queries() as twenty:
        page = client.get(f"/t/{big.slug}/{big.id}")
    html = page.get_data(as_text=True)
    assert html.count('class="post ') == 20
    assert html.count('class="staff-badge"') >= 13 and html.count('class="expert-badge"') >= 6
    assert html.count('class="official-signature"') == 7
    assert twenty.count == one.count, twenty.statements


def test_topic_list_query_count_does_not_grow_with_badged_last_posters(app, client, count_queries) -> None:
    admin = make_user(role="admin")
    category = general_category()
    first = make_topic(make_user(), category, title="The very first topic")
    make_reply(first, make_staff(None, "Customer Care"))
    client.get("/latest")
    with count_queries() as one:
        assert client.get("/latest").status_code == 200
    for i in range(19):
        topic = make_topic(make_user(), category, title=f"Another topic number {i}")
        if i % 2:
            make_reply(topic, make_staff(None, ["Product", "Acme Team"][i % 4 // 2]))
        else:
            expert = make_user()
            staff.grant_expert(admin, expert)
            make_reply(topic, expert)
    with count_queries() as twenty:
        html = client.get("/latest").get_data(as_text=True)
    assert html.count('class="staff-badge"') == 10 and html.count('class="expert-badge"') == 10
    assert twenty.count == one.count, twenty.statements
    assert group_named("Product") is not None
