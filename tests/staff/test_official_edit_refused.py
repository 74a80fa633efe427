"""Ticking "official" on an edit is refused server-side for anyone outside a staff group."""

from __future__ import annotations

import pytest

from tests.factories import make_reply, make_topic, make_user


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
def test_non_staff_cannot_make_their_post_official_by_editing(client, role):
    author = make_user(f"editor_{role}", role=role)
    post = make_reply(make_topic(), author, body="An ordinary reply from a person.")
    client.login(author.username)
    response = client.post_form(f"/posts/{post.id}/edit", {"body": "Now pretending to be official.",
                                                           "official": "y"})
    assert response.status_code == 403
    assert not post.is_official and post.raw == "An ordinary reply from a person."
