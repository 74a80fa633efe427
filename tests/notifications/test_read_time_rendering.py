"""Notices are stored as a kind and its parameters and rendered when read, in the reader's
current language and time zone (issue 11), or when mailed, in the recipient's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from flask import Flask
from sqlalchemy import func, select

from forum import jobs
from forum.events import services as events
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.services import notices as moderation_notices
from forum.notifications import NotificationKind, UnknownNotificationKind, notify, register_kinds
from forum.notifications.kinds import registered_kinds
from forum.notifications.models import Notification
from forum.settings import set_setting
from tests.factories import make_event, make_user
from tests.notifications.helpers import notices, texts


def page_text(client: Any) -> str:
    """The notices on /notifications, as text (entities decoded, tags dropped)."""
    html = client.get("/notifications").get_data(as_text=True)
    block = html.split('<ul class="notifications">', 1)[1].split("</ul>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", block)
    text = text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<")
    return re.sub(r"[ \t\r\n]+", " ", text)  # keeps the narrow spaces times use


def switch_language(client: Any, locale: str) -> None:
    assert client.post_form("/language", {"locale": locale, "next": "/notifications"}).status_code == 302


def en_datetime(moment: datetime, zone: str) -> str:
    """English medium date and short time ("Mar 4, 2026, 3:07 PM"), as the site shows times."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_date(local, 'medium', locale='en')}, {format_time(local, 'short', locale='en')}"


# --- the reader's language -----------------------------------------------------------------------

def test_a_notice_created_in_italian_reads_in_french_then_english_after_a_switch(app, client):
    mod = make_user("mona", role="moderator")
    lucia = make_user("lucia", locale="it")
    moderation.warn_user(mod, lucia, "Niente link ripetuti, per favore.")
    [row] = notices(lucia)
    assert row.kind == "warning" and row.params == {"reason": "Niente link ripetuti, per favore."}
    assert row.message is None  # no sentence is frozen in the row

    client.login("lucia")
    assert "Hai ricevuto un avvertimento ufficiale dai moderatori: Niente link ripetuti" in page_text(client)
    switch_language(client, "fr")
    french = page_text(client)
    assert "Vous avez reçu un avertissement officiel des modérateurs" in french
    assert "avvertimento" not in french
    switch_language(client, "en")
    assert "You received an official warning from the moderators: Niente link ripetuti" in page_text(client)


def test_canned_rejection_reasons_follow_the_reader_too(app):
    """A canned reason is stored as its key (plus the moderator's note), so it is not frozen in
    the language the author had when they were refused: a built-in reason, or the admin's own
    wording with its translations."""
    mod = make_user("mona", role="moderator")
    own = {"en": "Customers only.", "it": "Solo per i clienti.", "fr": "Réservé aux clients."}
    set_setting("rejection_reasons", ["spam", own])
    db.session.commit()
    refused = []
    for name, key, note in (("applicant", "spam", "Nessun link esterno."), ("other", "Customers only.", "")):
        user = make_user(name, locale="it")
        user.approved_at = None
        item = moderation.queue_application(user, {"Why?": "Because"})
        db.session.commit()
        with app.test_request_context("/"):
            moderation.reject_item(mod, item, key, note)
        refused.append(user)
    first, second = refused
    assert notices(first)[0].params["reason_key"] == "spam"
    assert texts(first) == ["La tua richiesta di iscrizione non è stata accettata: Spam o pubblicità. "
                            "Nessun link esterno."]
    assert texts(second) == ["La tua richiesta di iscrizione non è stata accettata: Solo per i clienti."]
    for user in refused:
        user.locale = "fr"
    db.session.commit()
    assert "Spam ou publicité. Nessun link esterno." in texts(first)[0]
    assert texts(second)[0].endswith(": Réservé aux clients.")
    # The admin drops their own reason later: the text the author read at the time stands.
    set_setting("rejection_reasons", ["spam"])
    db.session.commit()
    assert texts(second)[0].endswith(": Solo per i clienti.")


# --- the reader's time zone ----------------------------------------------------------------------

def test_a_silences_end_is_shown_in_the_readers_zone_at_read_time(app, client):
    mod = make_user("mona", role="moderator")
    kenji = make_user("kenji", timezone="Asia/Tokyo")
    sanction = moderation.silence_user(mod, kenji, timedelta(days=3), "Cool down.")
    until = sanction.expires_at
    [row] = notices(kenji)
    assert datetime.fromisoformat(row.params["until"]) == until  # an ISO time, not a sentence

    client.login("kenji")
    text = page_text(client)
    assert f"Your account is read-only until {en_datetime(until, 'Asia/Tokyo')}: Cool down." in text
    assert "UTC" not in text
    # He moves: the same notice now reads in New York time.
    kenji.timezone = "America/New_York"
    db.session.commit()
    text = page_text(client)
    assert en_datetime(until, "America/New_York") in text and en_datetime(until, "Asia/Tokyo") not in text


def test_an_event_notice_keeps_the_events_own_zone_named_whoever_reads_it(app):
    with app.test_request_context("/"):
        host = make_user("hostess", role="moderator")
        reader = make_user("kenji", locale="fr", timezone="Asia/Tokyo")
        event = make_event(host)  # 19:00 Europe/Rome
        events.rsvp(reader, event, "going")
        events.cancel_event(host, event)
    [row] = notices(reader, "event_cancelled")
    assert row.params["zone"] == "Europe/Rome" and datetime.fromisoformat(row.params["start"]) == event.starts_at
    [text] = texts(reader)
    # The site's one format, in French, at the event's own time, its zone named.
    day = format_date(event.local_start, "medium", locale="fr")
    assert text == f"Community meetup in Rome ({day}, 19:00 Europe/Rome) est annulé."


# --- mail: the recipient's language and zone, an absolute link ------------------------------------

def test_mail_is_in_the_recipients_language_not_the_actors(app, client, outbox):
    make_user("francois", role="moderator", locale="fr")
    make_user("lucia", locale="it")
    client.login("francois")
    response = client.post_form("/moderation/users/lucia/warn", {"reason": "Basta spam."})
    assert response.status_code == 302
    [mail] = outbox
    assert mail.to == "lucia@example.com"
    assert mail.subject == "Un avvertimento ufficiale dai moderatori"
    lines = mail.body.splitlines()
    assert lines[0] == "Hai ricevuto un avvertimento ufficiale dai moderatori: Basta spam."
    assert "http://forum.test/moderation/me" in lines  # absolute, on its own line


def test_mail_shows_times_in_the_recipients_zone_named(app, outbox):
    mod = make_user("mona", role="moderator")
    kenji = make_user("kenji", locale="en", timezone="Asia/Tokyo")
    sanction = moderation.suspend_user(mod, kenji, timedelta(days=7), "Repeated insults.")
    jobs.run_pending()  # the mail is the notice's job, queued with it
    [mail] = outbox
    assert mail.subject == "Your account was suspended"
    assert f"until {en_datetime(sanction.expires_at, 'Asia/Tokyo')} (Asia/Tokyo): Repeated insults." in mail.body


def test_a_permanent_suspension_has_no_end_date(app, outbox):
    mod = make_user("mona", role="moderator")
    member = make_user("mario")
    moderation.suspend_user(mod, member, None, "Spam bot.")
    assert texts(member) == ["Your account is suspended: Spam bot."]
    assert notices(member)[0].params == {"until": None, "reason": "Spam bot."}


def test_in_app_only_kinds_send_no_mail(app, outbox):
    mod = make_user("mona", role="moderator")
    member = make_user("mario")
    moderation.silence_user(mod, member, timedelta(days=1), "Cool down.")
    assert texts(member) and outbox == []


# --- what cannot be rendered never breaks the page ------------------------------------------------

def test_unknown_kinds_old_rows_and_stale_params_still_render(app, client, caplog):
    member = make_user("lucia", locale="it")
    db.session.add_all([
        # A plugin's kind, after the plugin was disabled.
        Notification(user_id=member.id, kind="karma_gained", params={"points": 3}, url="/u/lucia"),
        # From before notices were rendered at read time: the stored sentence stands.
        Notification(user_id=member.id, kind="post_hidden", params=None,
                     message="Il tuo post in “Ciao” è stato nascosto dai moderatori: spam"),
        # A known kind whose parameters an older version stored differently.
        Notification(user_id=member.id, kind="silenced", params={"date": "tomorrow"}),
    ])
    db.session.commit()
    client.login("lucia")
    response = client.get("/notifications")
    assert response.status_code == 200
    text = page_text(client)
    assert text.count("Hai una notifica.") == 2
    assert "Il tuo post in “Ciao” è stato nascosto dai moderatori: spam" in text
    assert "cannot render notification" in caplog.text
    switch_language(client, "fr")
    assert page_text(client).count("Vous avez une notification.") == 2


def test_notice_text_is_escaped(app, client):
    mod = make_user("mona", role="moderator")
    member = make_user("mario")
    moderation.silence_user(mod, member, timedelta(days=1), "<script>alert(1)</script> & more")
    client.login("mario")
    html = client.get("/notifications").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_the_page_is_one_query_whatever_the_number_of_notices(app, client, count_queries):
    member = make_user("mario")
    mod = make_user("mona", role="moderator")

    def statements() -> int:
        client.get("/notifications")  # warm caches (settings, translations)
        with count_queries() as queries:
            assert client.get("/notifications").status_code == 200
        return queries.count

    moderation.warn_user(mod, member, "One.")
    client.login("mario")
    few = statements()
    for i in range(12):
        moderation.silence_user(mod, member, timedelta(days=1), f"Reason {i}.")
        moderation.lift_silence(mod, member)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 25
    assert statements() == few


# --- the contract of notify() --------------------------------------------------------------------

def test_dedupe_keys_still_notify_once(app):
    member = make_user("mario")
    assert notify(member, moderation_notices.UNSILENCED, dedupe_key="lift:1") is True
    assert notify(member, "unsilenced", dedupe_key="lift:1") is False
    db.session.commit()
    assert [n.dedupe_key for n in notices(member)] == ["lift:1"]


@pytest.mark.parametrize("params", [
    {"until": datetime(2026, 3, 4, tzinfo=UTC)},  # dates are stored as ISO strings
    {"names": ("a", "b")},  # would read back as a list
    {1: "x"},  # would read back with a string key
    {"ratio": float("nan")},
])
def test_params_must_read_back_unchanged_from_json(app, params):
    member = make_user("mario")
    with pytest.raises(TypeError):
        notify(member, moderation_notices.SILENCED, params)
    db.session.commit()
    assert notices(member) == []


def test_parameters_the_kind_cannot_read_fail_at_notify_time(app):
    member = make_user("mario")
    with pytest.raises(KeyError):
        notify(member, moderation_notices.SILENCED, {"reason": "no end date given"})  # in-app only, still checked
    db.session.commit()
    assert notices(member) == []


def test_an_unknown_kind_is_a_programming_error(app):
    member = make_user("mario")
    with pytest.raises(UnknownNotificationKind):
        notify(member, "post_hiden", {"title": "Typo"})
    with pytest.raises(UnknownNotificationKind):  # a kind object nobody registered
        notify(member, NotificationKind("not_registered", lambda p: "x"))


def test_a_kind_registered_twice_is_a_start_up_error():
    app = Flask(__name__)
    kind = NotificationKind("twice", lambda p: "x")
    register_kinds(app, kind)
    with pytest.raises(RuntimeError, match="already registered"):
        register_kinds(app, NotificationKind("twice", lambda p: "y"))
    with pytest.raises(ValueError):
        NotificationKind("x" * 41, lambda p: "x")


def test_domains_register_their_kinds_from_init_app(app):
    names = {kind.name for kind in registered_kinds()}
    assert {k.name for k in moderation_notices.KINDS} <= names
    assert {"event_reminder", "event_cohost_invited", "event_cohost_answered"} <= names
