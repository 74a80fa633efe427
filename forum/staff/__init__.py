"""Staff identity: staff groups, badges, titles, official signed replies, response times."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import settings
from forum.accounts.interfaces import PersonalData
from forum.audit import AuditVocabulary
from forum.discussions.interfaces import PostLoadOption, TopicLoadOption
from forum.interfaces import AdminFigure, AdminSection
from forum.registry import contribute, provide
from forum.sso.interfaces import StaffGroupSync

from . import audit_vocabulary, notices, personal_data, services
from .views import bp

DEFAULTS = {
    # The response-time target behind "% answered by staff within N h".
    "staff_response_target_hours": 24,
}


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    notices.init_app(app)  # solved / accepted notices, @group mentions
    settings.register_defaults(app, DEFAULTS)
    provide(app, StaffGroupSync, services.sync_managed_groups)  # provider groups -> staff groups
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    # Badges ride along with the posts and topic lists that show them: no query per author.
    contribute(app, PostLoadOption, services.post_author_badges_option)
    contribute(app, PostLoadOption, services.post_author_experts_option)
    contribute(app, TopicLoadOption, services.topic_last_poster_badges_option)
    contribute(app, TopicLoadOption, services.topic_last_poster_experts_option)
    contribute(app, AdminSection, AdminSection("staff.groups", _l("Staff and badges"),
                                               _l("staff groups and their badges, expert badges, members")))
    contribute(app, AdminSection, AdminSection(
        "staff.responses", _l("Staff response times"),
        _l("topics awaiting a staff response, median and 90th percentile times")))
    contribute(app, AdminFigure, AdminFigure(
        _l("New members"), lambda viewer: services.new_member_count(services.NEW_MEMBER_DAYS),
        "staff.members", {"show": "new"}, hint=_l("last 7 days")))
    contribute(app, AdminFigure, AdminFigure(
        _l("Awaiting a staff answer"), services.awaiting_staff_count, "staff.responses",
        hint=_l("members' topics no staff member answered"), needs_action=True))
