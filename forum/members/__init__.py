"""Trust levels earned by activity, promotions and demotions, and the member directory (issue 15).

What a level allows is accounts' rule (:mod:`forum.accounts.trust`); who reaches which level
is :mod:`.services`; the public list of members is :mod:`.directory`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs, settings
from forum.accounts import trust
from forum.accounts.interfaces import PersonalData, ProfileSection
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection, DemoLoader
from forum.moderation.interfaces import SanctionListener
from forum.notifications import register_kinds
from forum.registry import contribute

from . import audit_vocabulary, personal_data, services
from .demo import load_demo_levels
from .directory import is_listed
from .forms import DirectoryPreferenceForm, TrustLevelForm
from .permissions import can_set_trust_level
from .views import bp

REFRESH_JOB = "members.refresh_trust_levels"


def _profile_trust(viewer: Any, member: Any) -> dict[str, Any]:
    """The member's level on their profile; staff's tool to set or lock it."""
    tool = None
    if can_set_trust_level(viewer, member):
        form = TrustLevelForm(formdata=None, data={"level": member.trust_level, "locked": True})
        tool = {"form": form, "state": services.lock_state(member)}
    return {"trust_level_name": trust_level_label(member), "trust_tool": tool}


def trust_level_label(member: Any) -> str:
    """The level's name as shown (staff and moderators read as leaders, as the gates treat them)."""
    return trust.level_name(int(trust.trust_level(member) or 0))


def directory_settings(user: Any) -> dict[str, Any]:
    """For the settings page's "Member directory" card."""
    return {"form": DirectoryPreferenceForm(formdata=None, data={"show_in_directory": user.show_in_directory}),
            "listed": is_listed(user)}


def init_app(app: Flask) -> None:
    settings.register_defaults(app, {**trust.DEFAULTS, **services.DEFAULTS})
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    register_kinds(app, services.PROMOTED)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, AdminSection, AdminSection("members.admin_settings", _l("Trust levels"),
                                               _l("what members need to reach each trust level, demotions")))
    contribute(app, ProfileSection, _profile_trust)
    contribute(app, SanctionListener, services.DemoteOnSanctions())
    contribute(app, DemoLoader, load_demo_levels)
    app.add_template_global(directory_settings, "member_directory_settings")
    app.add_template_global(trust_level_label, "trust_level_label")
    # Hourly: recount activity and promote (idempotent; a visit is counted once per day).
    jobs.register_job(app, jobs.JobType(REFRESH_JOB, _refresh, max_attempts=3))
    jobs.register_periodic(app, jobs.PeriodicJob(REFRESH_JOB, {"minute": "41"}))


def _refresh(_payload: dict[str, object]) -> None:
    services.refresh_trust_levels()
