"""Profile text is judged like a post: a new member's bio waits for review; nothing is lost."""

from __future__ import annotations

from sqlalchemy import select

from forum.accounts.models import User
from forum.extensions import db
from forum.moderation.models import ReviewItem, ReviewKind, ReviewStatus
from forum.settings import set_setting
from tests.notifications.helpers import texts


def _save_bio(client, bio: str):
    return client.post_form("/settings", {"display_name": "Mario", "bio": bio, "locale": "", "timezone": ""})


def _open_profile_items(user: User) -> list[ReviewItem]:
    return list(db.session.scalars(select(ReviewItem).where(
        ReviewItem.kind == ReviewKind.PROFILE, ReviewItem.user_id == user.id, ReviewItem.status == ReviewStatus.OPEN)))


def test_a_new_members_bio_waits_for_review_and_is_shown_once_approved(app, client, member, mod):
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    client.login("mario")
    assert _save_bio(client, "Visit https://cheap-watches.example for **deals**").status_code == 302
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert user.bio.startswith("Visit https://cheap-watches")  # kept for the member...
    assert user.bio_html == ""                                 # ...not shown to anyone yet
    assert "cheap-watches" not in client.get("/u/mario").get_data(as_text=True)
    [item] = _open_profile_items(user)
    assert item.data["bio"] == user.bio

    # Saving again while it waits updates the one open item (never two).
    _save_bio(client, "Coffee lover from Naples.")
    db.session.expire_all()
    [item] = _open_profile_items(user)
    assert item.data["bio"] == "Coffee lover from Naples."
    client.post_form("/logout")

    client.login("mona")
    assert "Coffee lover from Naples." in client.get("/review?kind=profile").get_data(as_text=True)
    assert client.post_form(f"/review/{item.id}/approve").status_code == 302
    db.session.expire_all()
    assert "Coffee lover from Naples." in db.session.get(User, member.id).bio_html
    assert not _open_profile_items(user)


def test_a_rejected_bio_stays_with_the_member_and_off_the_page(app, client, member, mod):
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    client.login("mario")
    _save_bio(client, "Buy followers at https://spam.example")
    client.post_form("/logout")
    [item] = _open_profile_items(member)
    client.login("mona")
    assert client.post_form(f"/review/{item.id}/reject", {"reason_key": "spam", "text": ""}).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert user.bio == "Buy followers at https://spam.example" and user.bio_html == ""
    [notice] = texts(member)
    assert "not approved" in notice


def test_a_regular_members_bio_is_published_at_once(app, client, member):
    client.login("mario")
    _save_bio(client, "Hello, I roast my own beans.")
    db.session.expire_all()
    assert "roast my own beans" in db.session.get(User, member.id).bio_html
    assert not _open_profile_items(member)
