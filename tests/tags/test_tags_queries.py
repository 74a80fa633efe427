"""Topic lists with tags run the same SQL for 1 tagged topic as for 30 with 3 tags each."""

from __future__ import annotations

import pytest

from forum.discussions import services as discussions
from tests.factories import make_category, make_user
from tests.tags.conftest import make_tag


def _queries(client, count_queries, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm-up
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count, q.statements


@pytest.fixture(params=["visitor", "member"])
def viewer(request, client):
    if request.param == "member":
        make_user("viewer")
        client.login("viewer")
    return request.param


@pytest.mark.parametrize("url", ["/latest", "/c/{slug}", "/tag/common", "/latest?tag=common", "/api/v1/topics"])
def test_lists_1_vs_30_tagged_topics(client, count_queries, viewer, url):
    staff = make_user(role="admin")
    for name in ("common", "second", "third"):
        make_tag(name)
    cat = make_category("Tagged", slug="tagged")
    discussions.create_topic(staff, cat, "The first tagged topic", "Words and words.", tags="common")
    url = url.format(slug=cat.slug)
    small = _queries(client, count_queries, url)
    for i in range(29):
        discussions.create_topic(staff, cat, f"Tagged topic number {i}", "Words and words.",
                                 tags="common, second, third")
    big = _queries(client, count_queries, url)
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])
    body = client.get(url).get_data(as_text=True)
    assert body.count("third") >= 20  # the chips (or the API's tags) are there for every topic
