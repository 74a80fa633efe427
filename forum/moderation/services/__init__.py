"""Moderation rules, split by concern and re-exported here.

* :mod:`.verdicts`: the core content rules and the judgement recorder (in-transaction);
* :mod:`.queue`: the review queue, claims and reviewer decisions;
* :mod:`.flags`: members' flags and flagger weight;
* :mod:`.post_actions`: hide, restore, remove from the topic page;
* :mod:`.sanctions`: warnings, silence, suspension, roles;
* :mod:`.applications`, :mod:`.profiles`: held members and held profile text;
* :mod:`.notices`: the notification kinds moderation registers (rendered when read);
* :mod:`.bans`, :mod:`.notes`, :mod:`.settings`, :mod:`.audit_log`, :mod:`.labels`.

Every staff action is ONE function: permission check (``permissions``), validation, state
change through :mod:`forum.discussions.counters` (so every counter stays right), an audit
entry in the same transaction, commit, then event hooks and notifications. Topic tools
(lock, pin, move, split, merge) live with the structure's owner in discussions.
"""

from forum.audit import AuditFilters, AuditPage

from .applications import answers_from_form, application_questions, has_open_application, queue_application
from .audit_log import audit_csv, audit_page
from .bans import active_bans, add_ban, lift_ban, normalise_ban, registration_ban
from .common import stored
from .flags import MIN_FLAG_WEIGHT, flag_post, flag_weight, flagged_post_ids
from .items import open_item_for_post, open_subject_item
from .labels import (
    DURATION_LABELS,
    DURATIONS,
    application_question_labels,
    flag_reason_choices,
    flag_reason_label,
    rejection_reason_choices,
    review_kind_label,
    review_reason_label,
)
from .notes import MemberRecord, add_staff_note, member_record
from .post_actions import delete_post, hide_post, hide_posts, restore_post
from .queue import (
    QUEUE_PAGE_SIZE,
    BulkResult,
    ItemClaimed,
    QueueFilters,
    QueuePage,
    active_claimer_id,
    approve_item,
    bulk_review,
    claim_expires_at,
    claim_item,
    claim_minutes,
    delete_item,
    edit_and_approve,
    get_item,
    item_kinds_need_reason,
    queue_counts,
    reject_item,
    release_item,
    resolve_flag_item,
    resubmit_post,
    review_queue,
    review_subject,
)
from .sanctions import (
    acknowledge_warning,
    active_sanction,
    lift_silence,
    lift_suspension,
    parse_duration,
    pending_warnings,
    set_role,
    silence_user,
    suspend_user,
    suspension_reason,
    warn_user,
)
from .settings import (
    DEFAULTS,
    LIST_KEYS,
    list_text,
    moderation_settings,
    moderator_categories,
    save_settings,
    translatable_entries,
)
from .verdicts import ModerationRecorder, core_registration_verdict, core_verdict, is_new_member

__all__ = [
    "DEFAULTS",
    "DURATIONS",
    "DURATION_LABELS",
    "LIST_KEYS",
    "MIN_FLAG_WEIGHT",
    "QUEUE_PAGE_SIZE",
    "AuditFilters",
    "AuditPage",
    "BulkResult",
    "ItemClaimed",
    "MemberRecord",
    "ModerationRecorder",
    "QueueFilters",
    "QueuePage",
    "acknowledge_warning",
    "active_bans",
    "active_claimer_id",
    "active_sanction",
    "add_ban",
    "add_staff_note",
    "answers_from_form",
    "application_question_labels",
    "application_questions",
    "approve_item",
    "audit_csv",
    "audit_page",
    "bulk_review",
    "claim_expires_at",
    "claim_item",
    "claim_minutes",
    "core_registration_verdict",
    "core_verdict",
    "delete_item",
    "delete_post",
    "edit_and_approve",
    "flag_post",
    "flag_reason_choices",
    "flag_reason_label",
    "flag_weight",
    "flagged_post_ids",
    "get_item",
    "has_open_application",
    "hide_post",
    "hide_posts",
    "is_new_member",
    "item_kinds_need_reason",
    "lift_ban",
    "lift_silence",
    "lift_suspension",
    "list_text",
    "member_record",
    "moderation_settings",
    "moderator_categories",
    "normalise_ban",
    "open_item_for_post",
    "open_subject_item",
    "parse_duration",
    "pending_warnings",
    "queue_application",
    "queue_counts",
    "registration_ban",
    "reject_item",
    "rejection_reason_choices",
    "release_item",
    "resolve_flag_item",
    "restore_post",
    "resubmit_post",
    "review_kind_label",
    "review_queue",
    "review_reason_label",
    "review_subject",
    "save_settings",
    "set_role",
    "silence_user",
    "stored",
    "suspend_user",
    "suspension_reason",
    "translatable_entries",
    "warn_user",
]
