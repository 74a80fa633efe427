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


def test_a_member_who_keeps_the_browsers_language_is_mailed_in_it(app, client, outbox: list[Any]):
    """Registered from an Italian browser in Rome, keeping "the browser's language" and zone
    (locale and timezone None; registration stores the zone the browser gave as chosen, so the
    test sets it back): the site is Italian for them, and so is their mail, with Rome's
    times; a later visit from a French browser moves both."""
    from sqlalchemy import select

    from forum.accounts.models import User
    from forum.accounts.services import current_coc_version

    client.set_cookie("tz", "Europe%2FRome", domain="forum.test")
    client.post_form("/register", {"username": "anna", "display_name": "Anna", "email": "anna@example.org",
                                   "password": "a-much-Longer-pass-phrase-9",
                                   "coc_version": str(current_coc_version()), "accept_coc": "y"},
                     headers={"Accept-Language": "it-IT,it;q=0.9"})
    anna = db.session.scalar(select(User).where(User.username == "anna"))
    assert anna is not None and anna.locale is None  # "the browser's language"
    assert (anna.browser_locale, anna.browser_timezone) == ("it", "Europe/Rome")
    anna.timezone = None  # "the browser's time zone" too
    assert member_language(anna) == "it"
    anna.email_verified_at = anna.created_at
    anna.notification_prefs = {"topic_reply": "email"}
    db.session.commit()
    topic = make_topic(anna, make_category("Caffè", slug="caffe"), title="La moka perde")
    outbox.clear()
    discussions.create_reply(make_user("bruno", display_name="Bruno"), topic, "Cambia la guarnizione.")
    jobs.run_pending()
    mail = next(m for m in outbox if m.to == "anna@example.org")
    assert mail.subject == "Bruno ha risposto alla tua discussione “La moka perde”"
    assert "(Europe/Rome)" in mail.body

    client.set_cookie("tz", "Europe%2FParis", domain="forum.test")
    client.post_form("/login", {"login": "anna", "password": "a-much-Longer-pass-phrase-9"},
                     headers={"Accept-Language": "fr-FR,fr;q=0.9"})  # signing in notes the visit
    db.session.expire_all()
    assert (anna.browser_locale, anna.browser_timezone) == ("fr", "Europe/Paris")
