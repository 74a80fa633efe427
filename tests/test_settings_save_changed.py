"""forum.settings.save_changed: an admin page's save writes what changed and audits exactly that."""

from __future__ import annotations

from sqlalchemy import select

from forum.audit import AuditLog
from forum.extensions import db
from forum.settings import get_setting, save_changed
from tests.factories import make_user


def _entries(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_only_the_changed_values_are_written_and_audited(app):
    admin = make_user("root", role="admin")
    basic_days = get_setting("trust_basic_days_visited")
    member_days = get_setting("trust_member_days_visited")
    changed = save_changed(admin, "settings.trust_levels",
                           {"trust_basic_days_visited": basic_days, "trust_member_days_visited": member_days + 5})
    db.session.commit()
    assert changed == {"trust_member_days_visited": member_days + 5}
    assert get_setting("trust_member_days_visited") == member_days + 5
    [entry] = _entries("settings.trust_levels")
    assert (entry.before, entry.after, entry.actor_id) == (
        {"trust_member_days_visited": member_days}, {"trust_member_days_visited": member_days + 5}, admin.id)


def test_nothing_changed_writes_and_audits_nothing(app):
    admin = make_user("root", role="admin")
    value = get_setting("trust_basic_days_visited")
    assert save_changed(admin, "settings.trust_levels", {"trust_basic_days_visited": value}) == {}
    db.session.commit()
    assert _entries("settings.trust_levels") == []


def test_before_is_what_the_feature_reads(app):
    """A caller whose current value is computed (a default the feature applies) passes it."""
    admin = make_user("root", role="admin")
    changed = save_changed(admin, "settings.email", {"notification_away_minutes": 30},
                           before={"notification_away_minutes": 30})
    assert changed == {} and _entries("settings.email") == []
