"""Staff identity rules, split by concern and re-exported here:

* :mod:`.badges`: the eager loads that bring badges along, and the template helpers;
* :mod:`.groups`: staff groups and their memberships (audited);
* :mod:`.profile`: a staff member's title and sign-off;
* :mod:`.experts`: expert badges (audited) and the admin's member list;
* :mod:`.solutions`: accepted answers;
* :mod:`.responses`: response-time figures and the topics awaiting staff;
* :mod:`.chart`: the weekly chart's geometry.

Every write: permission -> validation -> write (+ audit entry) -> commit -> hooks.
"""

from .badges import (
    badge_load_options,
    expert_badges,
    initials_for,
    memberships_of,
    post_author_badges_option,
    post_author_experts_option,
    primary_group,
    sign_off,
    staff_groups,
    staff_title,
    topic_last_poster_badges_option,
    topic_last_poster_experts_option,
)
from .chart import Bar, Chart, build_chart
from .experts import (
    DEFAULT_EXPERT_LABEL,
    NEW_MEMBER_DAYS,
    MemberPage,
    get_expert_badge,
    grant_expert,
    list_experts,
    member_list,
    new_member_count,
    revoke_expert,
)
from .groups import (
    DEFAULT_GROUP_COLOR,
    UnknownGroup,
    add_member,
    add_member_by_group_name,
    delete_group,
    find_user,
    get_group,
    get_membership,
    group_members,
    group_named,
    list_groups,
    remove_member,
    save_group,
    set_primary,
    sync_managed_groups,
)
from .profile import update_staff_profile
from .responses import (
    AwaitingPage,
    Figures,
    WeekPoint,
    awaiting_staff_count,
    awaiting_staff_response,
    response_figures,
    response_target_hours,
    staff_categories,
    time_to_first_official_reply,
    time_to_first_staff_reply,
    weekly_series,
)
from .solutions import accepted_answer, mark_solution, unmark_solution

__all__ = [
    "DEFAULT_EXPERT_LABEL",
    "DEFAULT_GROUP_COLOR",
    "NEW_MEMBER_DAYS",
    "AwaitingPage",
    "Bar",
    "Chart",
    "Figures",
    "MemberPage",
    "UnknownGroup",
    "WeekPoint",
    "accepted_answer",
    "add_member",
    "add_member_by_group_name",
    "awaiting_staff_count",
    "awaiting_staff_response",
    "badge_load_options",
    "build_chart",
    "delete_group",
    "expert_badges",
    "find_user",
    "get_expert_badge",
    "get_group",
    "get_membership",
    "grant_expert",
    "group_members",
    "group_named",
    "initials_for",
    "list_experts",
    "list_groups",
    "mark_solution",
    "member_list",
    "memberships_of",
    "new_member_count",
    "post_author_badges_option",
    "post_author_experts_option",
    "primary_group",
    "remove_member",
    "response_figures",
    "response_target_hours",
    "revoke_expert",
    "save_group",
    "set_primary",
    "sign_off",
    "staff_categories",
    "staff_groups",
    "staff_title",
    "sync_managed_groups",
    "time_to_first_official_reply",
    "time_to_first_staff_reply",
    "topic_last_poster_badges_option",
    "topic_last_poster_experts_option",
    "unmark_solution",
    "update_staff_profile",
    "weekly_series",
]
