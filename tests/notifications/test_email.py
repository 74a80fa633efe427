"""The mail of a notification (forum.notifications.email) and the preferences it obeys.

Time is never waited for: "away" is tested by moving ``users.last_seen_at`` (and a notice's
``created_at``) instead of sleeping.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from forum import jobs, markup
from forum.db_types import utcnow
from forum.discussions.models import Category, ReadAccess
from forum.extensions import db
from forum.mail import MailMessage
from forum.markup import mail as mail_markup
from forum.notifications import preferences
from forum.notifications.email import send_notification_email
from forum.notifications.kinds import Delivery
from forum.notifications.models import Notification
from forum.settings import set_setting
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.notifications.email_helpers import (  # noqa: F401 - mail_kinds is a fixture
    ACCOUNT,
    BELL_ONLY,
    PRIVATE,
    REPLY,
    WATCHED,
    mail_job,
    mail_kinds,
    notice_for,
    run_mail_job,
)

pytestmark = pytest.mark.usefixtures("mail_kinds")


def mails_to(outbox: list[Any], user: Any) -> list[Any]:
    return [m for m in outbox if m.to == user.email]


@pytest.fixture
def scene(app: Any, outbox: list[Any]) -> dict[str, Any]:
    """Anna (away for an hour) is told about Carla's reply in Bruno's topic."""
    anna = make_user("anna", last_seen_at=utcnow() - timedelta(hours=1))
    bruno = make_user("bruno")
    topic = make_topic(bruno, make_category("Kitchen"), title="The kettle whistles twice")
    reply = make_reply(topic, make_user("carla"), "Descale it: see [the guide](/t/guide/1) and **boil** twice.\n\n"
                                                  "![kettle](https://img.example/kettle.png)")
    jobs.run_pending()  # whatever the posting queued for others
    outbox.clear()
    return {"anna": anna, "bruno": bruno, "topic": topic, "reply": reply}


# --- preferences ------------------------------------------------------------------------------------

def test_each_delivery_a_member_chooses_is_the_one_they_get(app):
    anna = make_user("anna")
    assert preferences.delivery_for(anna, REPLY) == Delivery.EMAIL_AWAY  # the kind's default
    assert preferences.delivery_for(anna, WATCHED) == Delivery.APP
    for choice in Delivery.ALL:
        anna.notification_prefs = {REPLY.name: choice}
        assert preferences.delivery_for(anna, REPLY.name) == choice
    anna.notification_prefs = {REPLY.name: "carrier-pigeon"}  # not a delivery: the default
    assert preferences.delivery_for(anna, REPLY) == Delivery.EMAIL_AWAY


def test_what_cannot_be_chosen_is_not_taken_from_the_stored_choices(app):
    anna = make_user("anna", notification_prefs={BELL_ONLY.name: Delivery.EMAIL, ACCOUNT.name: Delivery.NEVER})
    assert preferences.delivery_for(anna, BELL_ONLY) == Delivery.APP     # no subject: never mailed
    assert preferences.delivery_for(anna, ACCOUNT) == Delivery.EMAIL     # no label: always its default
    assert preferences.deliveries_for(BELL_ONLY) == (Delivery.APP, Delivery.NEVER)


def test_pausing_email_keeps_the_choices_and_spares_account_mail(app):
    anna = make_user("anna", notification_prefs={REPLY.name: Delivery.EMAIL, PRIVATE.name: Delivery.EMAIL,
                                                 preferences.EMAIL_PAUSED: True})
    assert preferences.delivery_for(anna, REPLY) == Delivery.APP
    assert preferences.chosen_delivery(anna, REPLY) == Delivery.EMAIL  # shown on the page, kept for later
    assert preferences.delivery_for(anna, PRIVATE) == Delivery.EMAIL   # transactional
    assert preferences.delivery_for(anna, ACCOUNT) == Delivery.EMAIL   # about the account


def test_digest_frequency_and_watching_defaults(app):
    anna = make_user("anna")
    assert preferences.digest_frequency(anna) == "weekly"  # the community's default
    set_setting("digest_default", "daily")
    db.session.commit()
    assert preferences.digest_frequency(anna) == "daily"
    anna.digest = "never"
    assert preferences.digest_frequency(anna) == "never"
    assert preferences.watch_default(anna, preferences.AUTO_WATCH_CREATED)
    anna.notification_prefs = {preferences.AUTO_TRACK_REPLIED: False}
    assert not preferences.watch_default(anna, preferences.AUTO_TRACK_REPLIED)


# --- away ---------------------------------------------------------------------------------------------

def test_away_is_measured_from_the_last_visit_with_the_setting(app):
    now = utcnow()
    anna = make_user("anna", last_seen_at=now - timedelta(minutes=9))
    assert preferences.away_until(anna, now) == anna.last_seen_at + timedelta(minutes=10)
    anna.last_seen_at = now - timedelta(minutes=11)
    assert preferences.away_until(anna, now) is None
    set_setting("notification_away_minutes", 30)
    db.session.commit()
    assert preferences.away_until(anna, now) is not None
    anna.last_seen_at = None  # never seen: away
    assert preferences.away_until(anna, now) is None


def test_email_when_away_waits_while_the_member_is_on_the_site(scene, outbox):
    anna = scene["anna"]
    anna.last_seen_at = utcnow() - timedelta(minutes=2)
    notice = notice_for(anna, REPLY, scene["reply"])
    job = run_mail_job(notice)
    assert job.state == "queued"  # put back, no attempt used
    assert job.attempts == 0
    wait = (job.run_at - utcnow()).total_seconds()
    assert 7 * 60 - 5 < wait <= 8 * 60 + 5  # until ten minutes after the last visit
    assert mails_to(outbox, anna) == [] and notice.email_state is None

    anna.last_seen_at = utcnow() - timedelta(minutes=30)  # she left: the next run sends it
    db.session.commit()
    job.run_at = utcnow()
    db.session.commit()
    assert jobs.run(job.id) == "done"
    assert len(mails_to(outbox, anna)) == 1
    assert db.session.get(Notification, notice.id).email_state == "queued"


def test_a_member_seen_in_the_future_is_not_away(scene, outbox):
    anna = scene["anna"]
    anna.last_seen_at = utcnow() + timedelta(hours=1)  # a clock ahead: still "on the site"
    db.session.commit()
    assert mail_job(notice_for(anna, REPLY, scene["reply"])) == "queued"
    assert mails_to(outbox, anna) == []


def test_reading_it_meanwhile_or_never_leaving_drops_the_mail(scene, outbox):
    anna = scene["anna"]
    anna.last_seen_at = utcnow()
    read = notice_for(anna, REPLY, scene["reply"], read_at=utcnow())
    stale = notice_for(anna, REPLY, scene["reply"], created_at=utcnow() - timedelta(days=3))
    assert mail_job(read) == "done" and mail_job(stale) == "done"
    assert read.email_state == "skipped" and stale.email_state == "skipped"
    assert mails_to(outbox, anna) == []


def test_email_right_away_does_not_wait(scene, outbox):
    anna = scene["anna"]
    anna.last_seen_at = utcnow()
    anna.notification_prefs = {REPLY.name: Delivery.EMAIL}
    db.session.commit()
    mail_job(notice_for(anna, REPLY, scene["reply"]))
    assert len(mails_to(outbox, anna)) == 1


# --- what is (not) sent -------------------------------------------------------------------------------

def test_one_mail_per_notice_even_when_the_job_runs_twice(scene, outbox):
    anna = scene["anna"]
    notice = notice_for(anna, REPLY, scene["reply"])
    assert mail_job(notice) == "done"
    assert mail_job(notice) == "done"  # a second job for the same notice (a retry, a sweep)
    assert len(mails_to(outbox, anna)) == 1
    assert notice.email_state == "queued"


def test_queued_delivery_keeps_one_message_per_notice(app, scene):
    app.config["MAIL_DELIVERY"] = "queue"
    try:
        notice = notice_for(scene["anna"], REPLY, scene["reply"])
        send_notification_email({"notification_id": notice.id})
        notice.email_state = None  # as if the state had been lost: the outbox's key still holds
        send_notification_email({"notification_id": notice.id})
        rows = db.session.scalars(select(MailMessage).where(MailMessage.dedupe_key == f"notification:{notice.id}"))
        assert len(list(rows)) == 1
    finally:
        app.config["MAIL_DELIVERY"] = "inline"


@pytest.mark.parametrize("change", ["app", "never", "paused", "unverified"])
def test_a_changed_mind_skips_the_mail(scene, outbox, change):
    anna = scene["anna"]
    if change == "paused":
        anna.notification_prefs = {preferences.EMAIL_PAUSED: True}
    elif change == "unverified":
        anna.email_verified_at = None
    else:
        anna.notification_prefs = {REPLY.name: change}
    db.session.commit()
    notice = notice_for(anna, REPLY, scene["reply"])
    assert mail_job(notice) == "done"
    assert notice.email_state == "skipped" and mails_to(outbox, anna) == []


def test_no_mail_about_a_post_the_member_may_no_longer_read(scene, outbox):
    anna = scene["anna"]
    notice = notice_for(anna, REPLY, scene["reply"])
    staff_room = make_category("Staff room", read_access=ReadAccess.STAFF)
    scene["topic"].category_id = staff_room.id  # moved after the notice was written
    db.session.commit()
    assert mail_job(notice) == "done"
    assert notice.email_state == "skipped" and mails_to(outbox, anna) == []


def test_no_mail_about_a_hidden_post(scene, outbox):
    anna = scene["anna"]
    scene["reply"].state = "hidden"
    db.session.commit()
    notice = notice_for(anna, REPLY, scene["reply"])
    mail_job(notice)
    assert notice.email_state == "skipped" and mails_to(outbox, anna) == []


# --- the message --------------------------------------------------------------------------------------

class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.urls.append((tag, name, value))


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def test_the_mail_is_multipart_branded_and_links_to_the_exact_post(scene, outbox):
    set_setting("community_name", "Kettle Club")
    set_setting("brand_primary", "#ffcc00")  # light: the button's text must be black
    set_setting("logo_url", "/static/logo.png")
    db.session.commit()
    anna, reply = scene["anna"], scene["reply"]
    mail_job(notice_for(anna, REPLY, reply))
    [mail] = mails_to(outbox, anna)
    assert mail.subject == "Notifications"
    assert mail.html and mail.body
    permalink = f"http://forum.test/t/{scene['topic'].slug}/{scene['topic'].id}/{reply.post_number}"
    assert permalink in mail.body and f'href="{permalink}"' in mail.html
    assert "Kettle Club" in mail.html and 'src="http://forum.test/static/logo.png"' in mail.html
    assert "background-color:#ffcc00;color:#000000" in mail.html
    # The post, inlined: its words, its absolute link and image, the author and the topic.
    assert "<strong>boil</strong>" in mail.html and "The kettle whistles twice" in mail.html
    assert 'href="http://forum.test/t/guide/1"' in mail.html
    assert 'src="https://img.example/kettle.png"' in mail.html
    assert "Carla wrote on" in mail.body and "Descale it" in mail.body
    # Why, and where to change it; the one-click headers (RFC 8058).
    assert "your preferences send “Notifications” by email when you are not on Kettle Club" in mail.body
    assert "http://forum.test/settings/notifications" in mail.body
    assert re.fullmatch(r"<http://forum\.test/email/unsubscribe/[\w.-]+>", mail.headers["List-Unsubscribe"])
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    for tag, name, url in parsed(mail.html).urls:
        assert url.startswith(("http://forum.test/", "https://")), (tag, name, url)
    assert not re.search(r"(?:^|\s)/[a-z]", mail.body)  # no site path on its own


def test_the_mail_is_written_in_the_recipients_language_and_zone(scene, outbox):
    anna = scene["anna"]
    anna.locale, anna.timezone = "it", "Europe/Rome"
    reply = scene["reply"]
    reply.created_at = reply.created_at.replace(hour=12, minute=0, month=7)  # 14:00 in Rome (summer)
    db.session.commit()
    mail_job(notice_for(anna, REPLY, reply))  # the job runs in nobody's request: no English leaks
    [mail] = mails_to(outbox, anna)
    assert mail.subject == "Notifiche"
    assert mail.body.startswith("Hai una notifica.")
    assert "Vedilo sul forum" in mail.html and "Cambia le preferenze email" in mail.html
    assert "14:00 (Europe/Rome)" in mail.body
    assert '<html lang="it"' in mail.html


def test_account_mail_has_no_unsubscribe_and_no_post(scene, outbox):
    anna = scene["anna"]
    for kind in (ACCOUNT, PRIVATE):
        mail_job(notice_for(anna, kind, scene["reply"]))
    mails = mails_to(outbox, anna)
    assert len(mails) == 2
    for mail in mails:
        assert "List-Unsubscribe" not in mail.headers and "/email/unsubscribe/" not in mail.html
        assert "Descale it" not in mail.body and "about your account" in mail.body


# --- hostile HTML ---------------------------------------------------------------------------------------

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "form", "base", "meta", "link",
                  "input", "button", "textarea", "frame", "frameset", "applet"}
OUR_STYLES = set(mail_markup._MAIL_STYLES.values())


def assert_inert_mail(html: str) -> None:
    for tag, attrs in parsed(html).tags:
        assert tag not in DANGEROUS_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, html)
            if name == "style":
                base = (value or "").split(";text-align:")[0]
                assert base in OUR_STYLES, (tag, value, html)
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                url = re.sub(r"[\x00-\x20\x7f-\x9f\s]+", "", value).lower()
                assert url.startswith(("http://forum.test/", "https://", "http://", "mailto:")), (tag, name, value)


def xss_payloads(corpora: Any) -> list[str]:
    payloads = []
    for path in sorted((corpora / "xss").glob("*.jsonl")):
        for line in filter(None, path.read_text(encoding="utf-8").split("\n")):
            item = json.loads(line)
            payload = item.get("payload", item.get("input"))
            if isinstance(payload, str):
                payloads.append(payload)
    assert len(payloads) > 400
    return payloads


def test_nothing_executable_survives_mail_html_from_the_xss_corpora(app, corpora):
    for payload in xss_payloads(corpora):
        assert_inert_mail(markup.mail_html(payload, lambda path: "http://forum.test" + path))


def test_hostile_stored_html_is_inlined_inert(scene, outbox, corpora):
    """Even a post whose stored HTML was tampered with (cooked by an older pipeline, written
    by hand) reaches the mail sanitised: the mail does not trust what is stored."""
    anna, reply = scene["anna"], scene["reply"]
    hostile = xss_payloads(corpora)
    reply.cooked = "<p>Before</p>" + "".join(hostile[::7]) + "<p>After</p>"
    db.session.commit()
    mail_job(notice_for(anna, REPLY, reply))
    [mail] = mails_to(outbox, anna)
    inlined = markup.mail_html(reply.cooked, lambda path: "http://forum.test" + path)
    assert inlined in mail.html and "Before" in inlined and "After" in inlined
    assert_inert_mail(inlined)
    body = mail.html.split("</head>", 1)[1]
    for tag, attrs in parsed(body).tags:  # our layout around it: no handler, no script anywhere
        assert tag not in DANGEROUS_TAGS and not any(name.startswith("on") for name in attrs), (tag, attrs)
    assert "<script" not in mail.html.lower()


def test_mail_html_makes_relative_links_absolute_and_drops_fragments(app):
    html = markup.mail_html('<p><a href="/u/anna" class="mention">@anna</a> <a href="#p3">up</a> '
                            '<a href="//cdn.example/x">cdn</a> <img src="/uploads/a.png" alt="a"></p>',
                            lambda path: "https://c.example" + path)
    assert 'href="https://c.example/u/anna"' in html
    assert "<a>up</a>" in html
    assert 'href="https://cdn.example/x"' in html
    assert 'src="https://c.example/uploads/a.png"' in html and "loading" not in html


def test_category_names_come_from_the_notice_readers_language(scene, outbox):
    category = db.session.get(Category, scene["topic"].category_id)
    category.translations = {"it": {"name": "Cucina"}}
    anna = scene["anna"]
    anna.locale = "it"
    db.session.commit()
    mail_job(notice_for(anna, REPLY, scene["reply"]))
    [mail] = mails_to(outbox, anna)
    assert "Cucina" in mail.html and "Kitchen" not in mail.html
