"""Discussion rules, split by concern and re-exported here:

* :mod:`.posting`: topics, replies, edits, withdrawals, categories (the judged writes);
* :mod:`.reads`: category and topic pages, listings, profiles' activity, revisions;
* :mod:`.topic_tools`: lock, pin, move, split, merge;
* :mod:`.drafts`: drafts kept while a member unblocks themselves.

Counters are written only by :mod:`forum.discussions.counters`.
"""

from .drafts import DRAFT_KINDS, discard_draft, read_draft, save_draft
from .posting import (
    AUTO_LANGUAGE,
    EditConflict,
    PostingBlocked,
    PostOutcome,
    clean_body,
    clean_title,
    cook,
    create_category,
    create_reply,
    create_topic,
    detect_language,
    edit_post,
    language_for,
    preview,
    require_can_post,
    restore_withdrawn_post,
    withdraw_post,
)
from .reads import (
    TopicList,
    TopicPage,
    encode_cursor,
    get_category,
    get_post,
    get_post_by_number,
    get_topic,
    list_topics,
    page_of_post,
    post_load_options,
    quote_source,
    revisions,
    topic_page,
    user_posts,
    user_topics,
    visible_categories,
)
from .topic_tools import find_topic_ref, lock_topic, merge_topic, move_topic, pin_topic, split_topic, unpin_topic

__all__ = [
    "AUTO_LANGUAGE",
    "DRAFT_KINDS",
    "EditConflict",
    "PostOutcome",
    "PostingBlocked",
    "TopicList",
    "TopicPage",
    "clean_body",
    "clean_title",
    "cook",
    "create_category",
    "create_reply",
    "create_topic",
    "detect_language",
    "discard_draft",
    "edit_post",
    "encode_cursor",
    "find_topic_ref",
    "get_category",
    "get_post",
    "get_post_by_number",
    "get_topic",
    "language_for",
    "list_topics",
    "lock_topic",
    "merge_topic",
    "move_topic",
    "page_of_post",
    "pin_topic",
    "post_load_options",
    "preview",
    "quote_source",
    "read_draft",
    "require_can_post",
    "restore_withdrawn_post",
    "revisions",
    "save_draft",
    "split_topic",
    "topic_page",
    "unpin_topic",
    "user_posts",
    "user_topics",
    "visible_categories",
    "withdraw_post",
]
