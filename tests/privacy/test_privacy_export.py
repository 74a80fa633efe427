"""A member's copy of their data: asked for, built by the job, mailed, downloaded by them only,
expired and cleaned up."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from forum.accounts.interfaces import PersonalData
from forum.db_types import utcnow
from forum.discussions import reactions
from forum.discussions.bookmarks import save_bookmark
from forum.errors import ValidationFailed
from forum.events import services as events
from forum.extensions import db
from forum.privacy import services
from forum.privacy.models import DataExport, ExportState
from forum.registry import contributions
from forum.settings import set_setting
from forum.uploads.services import file_storage
from tests.factories import make_event, make_reply, make_topic, make_user


def _member_with_activity() -> Any:
    member = make_user("giulia", display_name="Giulia Rossi")
    topic = make_topic(member, title="Macchine da caffè a confronto", body="=HYPERLINK(\"http://evil\")")
    other = make_user("marc")
    reply = make_reply(topic, other, "Bella domanda!")
    reactions.react(member, reply, "heart")
    save_bookmark(member, reply, note="rileggere")
    event = make_event(make_user("host", role="moderator"), title="Incontro a Torino")
    events.rsvp(member, event, "going")
    return member


def _request_and_fetch(client: Any, outbox: list[Any], mail_link: Any, member: Any) -> tuple[str, Any]:
    assert client.login(member.username).status_code == 302
    response = client.post_form("/settings/your-data")
    assert response.status_code == 302
    link = mail_link(outbox, member.email, "")
    return link, client.get(link)


def test_the_zip_holds_each_domains_part_as_json_and_safe_csv(app, client, outbox, mail_link):
    member = _member_with_activity()
    _link, response = _request_and_fetch(client, outbox, mail_link, member)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    for section in ("profile", "code_of_conduct", "sign_ins", "posts", "reactions", "bookmarks", "drafts",
                    "watching", "event_rsvps", "events_created", "notification_preferences", "notifications",
                    "uploads", "api_keys", "sign_in_links", "flags", "sanctions", "staff_roles"):
        assert f"{section}.json" in names, section
    parts = {name[:-5]: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
    assert parts["profile"][0]["email"] == "giulia@example.com"
    assert parts["profile"][0]["display_name"] == "Giulia Rossi"
    assert [p["topic_title"] for p in parts["posts"]] == ["Macchine da caffè a confronto"]
    assert parts["reactions"][0]["reaction"] == "heart"
    assert parts["bookmarks"][0]["note"] == "rileggere"
    assert parts["event_rsvps"][0]["event_title"] == "Incontro a Torino"
    assert parts["event_rsvps"][0]["status"] == "going"
    assert parts["code_of_conduct"] and parts["code_of_conduct"][0]["version"] >= 1
    assert parts["sign_ins"], "the sign-in of this very test is a device"
    # The text someone typed cannot run as a formula in a spreadsheet.
    rows = list(csv.DictReader(io.StringIO(archive.read("posts.csv").decode())))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    readme = archive.read("README.txt").decode()
    assert "posts.json, posts.csv" in readme and "profile.json" in readme
    row = db.session.scalar(select(DataExport).where(DataExport.user_id == member.id))
    assert row is not None and row.state == ExportState.READY and row.storage_key
    assert row.storage_key.startswith("privacy-exports/")  # the forum's storage, not the web root


def test_the_readme_and_mail_are_in_the_members_language(app, client, outbox, mail_link):
    member = make_user("chiara", locale="it")
    _link, response = _request_and_fetch(client, outbox, mail_link, member)
    mail = next(m for m in outbox if m.to == member.email)
    assert "dati" in mail.subject and "Ciao Chiara" in mail.body
    readme = zipfile.ZipFile(io.BytesIO(response.get_data())).read("README.txt").decode()
    assert "I tuoi dati" in readme


def test_only_the_member_signed_in_may_download(app, client, outbox, mail_link):
    member = make_user("owner")
    link, response = _request_and_fetch(client, outbox, mail_link, member)
    assert response.status_code == 200
    client.post_form("/logout")
    assert "/login" in client.get(link).headers["Location"]  # signed out: sign in first
    make_user("intruder")
    client.login("intruder")
    assert client.get(link).status_code == 404  # another member: nothing there
    token = link.rsplit("/", 1)[1]
    client.post_form("/logout")
    client.login("owner")
    assert client.get(link.replace(token, token[:-3] + "xyz")).status_code == 404  # a forged token


def test_an_expired_link_says_so_and_the_cleanup_removes_the_file(app, client, outbox, mail_link):
    member = make_user("late")
    link, _response = _request_and_fetch(client, outbox, mail_link, member)
    row = db.session.scalar(select(DataExport).where(DataExport.user_id == member.id))
    assert row is not None and row.storage_key
    key = row.storage_key
    assert file_storage().exists(key)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert services.cleanup_exports() == 1
    assert not file_storage().exists(key)
    db.session.expire_all()
    assert row.state == ExportState.EXPIRED and row.storage_key is None
    assert services.cleanup_exports() == 0  # idempotent
    assert client.get(link).status_code == 410


def test_one_pending_request_and_a_few_a_day(app):
    member = make_user("eager")
    db.session.add(DataExport(user_id=member.id, state=ExportState.PENDING))
    db.session.commit()
    with app.test_request_context("/"), pytest.raises(ValidationFailed, match="being prepared"):
        services.request_export(member)
    db.session.execute(DataExport.__table__.update().values(state=ExportState.READY))
    set_setting("privacy_exports_per_day", 2)
    db.session.commit()
    with app.test_request_context("/"):
        services.request_export(member)
        db.session.execute(DataExport.__table__.update().values(state=ExportState.READY))
        db.session.commit()
        with pytest.raises(ValidationFailed, match="tomorrow"):
            services.request_export(member)


def test_the_page_needs_a_signed_in_member_and_csrf(app, client):
    assert "/login" in client.get("/settings/your-data").headers["Location"]
    make_user("someone")
    client.login("someone")
    assert client.get("/settings/your-data").status_code == 200
    assert client.post("/settings/your-data", data={}).status_code == 400  # no CSRF token
    assert db.session.scalar(select(DataExport.id)) is None


def _page_queries(client: Any, count_queries: Any) -> int:
    client.get("/settings/your-data")  # warm-up
    with count_queries() as q:
        assert client.get("/settings/your-data").status_code == 200
    return int(q.count)


def test_the_your_data_page_runs_the_same_sql_for_1_or_10_requests(app, client, count_queries):
    member = make_user("lister")
    client.login("lister")
    db.session.add(DataExport(user_id=member.id, state=ExportState.EXPIRED))
    db.session.commit()
    one = _page_queries(client, count_queries)
    db.session.add_all([DataExport(user_id=member.id, state=ExportState.READY, expires_at=utcnow() + timedelta(days=1))
                        for _ in range(9)])
    db.session.commit()
    assert _page_queries(client, count_queries) == one


def test_every_section_says_what_it_holds(app):
    # Each domain describes its own section (no central list of sections to forget one in);
    # the ZIP's README.txt reads them in the member's language.
    with app.test_request_context():
        sections = contributions(PersonalData)
        assert {"profile", "posts", "conversations", "message_flags", "event_rsvps"} <= {s.name for s in sections}
        for section in sections:
            assert str(getattr(section, "description", "") or "").strip(), section.name
