"""A member's language when they are not the one asking (mail, notices, texts written for
them): one owner, ``forum.i18n_content.member_language``. Their own language if the community
offers it, else the community's default language, which is the admin's choice when there is
one (not the configuration's ``DEFAULT_LOCALE``)."""

from __future__ import annotations

from typing import Any

from forum import jobs
from forum.discussions import services as discussions
from forum.extensions import db
from forum.i18n_content import member_language
from forum.moderation import services as moderation
from forum.moderation.services.labels import rejection_text
from forum.settings import set_setting
from tests.factories import make_category, make_topic, make_user


def _italian_community() -> None:
    set_setting("default_language", "it")
    db.session.commit()


def test_a_member_reads_their_own_language_else_the_communitys(app):
    assert member_language(make_user("emma", locale="fr")) == "fr"
    assert member_language(make_user("nolang", locale=None)) == "en"
    assert member_language(make_user("klaus", locale="de")) == "en"  # not a community language
    assert member_language(None) == "en"
    _italian_community()
    assert member_language(make_user("claire", locale="fr")) == "fr"
    assert member_language(make_user("nolang2", locale=None)) == "it"
    assert member_language(make_user("klaus2", locale="de")) == "it"
    assert member_language(None) == "it"


def test_the_admins_default_language_reaches_a_mailed_notice(app, outbox: list[Any]):
    _italian_community()
    mod = make_user("mona", role="moderator", locale="en")
    member = make_user("mario", locale=None)  # never chose a language
    moderation.warn_user(mod, member, "Basta spam.")
    jobs.run_pending()  # the mail is the notice's job, queued with it
    [mail] = outbox
    assert mail.subject == "Un avvertimento ufficiale dai moderatori"
    assert mail.body.splitlines()[0] == "Hai ricevuto un avvertimento ufficiale dai moderatori: Basta spam."


def test_a_canned_rejection_reaches_a_member_without_a_language_in_the_communitys(app):
    _italian_community()
    member = make_user("mario", locale=None)
    assert rejection_text("spam", "", member) == "Spam o pubblicità."


def test_a_short_post_falls_back_to_the_communitys_language_for_a_member_without_one(app):
    _italian_community()
    member = make_user("mario", locale=None)
    post = discussions.create_reply(member, make_topic(make_user(), make_category()), "Ok, grazie!").post
    assert post.language == "it"
