"""Writing discussions: starting topics, replying, editing, withdrawing, categories.

Every write goes: permission -> validation -> content filters -> write (the post, its
counters through :mod:`forum.discussions.counters`, its judgement through the registered
:class:`~forum.accounts.interfaces.JudgementRecorder`) -> commit -> event hooks. The
judgement is part of the write: if recording it fails, nothing is stored.

Edits are judged like new posts (``context.kind == "edit"``): an edit the filters would hold
goes back to the review queue instead of being published.

A post's language is its text's (:mod:`forum.languages` detects it, falling back to the
author's language), unless the author chose one (``language=``): then ``language_chosen`` is
set and later edits keep it instead of detecting again (``language=AUTO_LANGUAGE`` hands the
choice back to detection). The content filters see that language (``FilterContext.locale``),
and an opening post's language is its topic's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from forum import markup, outbox
from forum.accounts.interfaces import JudgedKind, Judgement, JudgementRecorder
from forum.accounts.models import User
from forum.accounts.permissions import posting_block_reason
from forum.accounts.services import resolve_usernames
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import community_languages, member_language
from forum.languages import AUTO_LANGUAGE, detect_post_language
from forum.plugins import Draft, FilterContext, Verdict, VerdictKind
from forum.plugins.manager import fire, run_filters
from forum.registry import lookup
from forum.text import slugify, strip_invisible

from .. import counters, notices, permissions, watching
from ..interfaces import PostFiles, TopicTags
from ..models import Category, Post, PostRevision, PostState, Topic
from ..topic_images import refresh_topic_image


class EditConflict(ValidationFailed):
    """The post changed since the editor opened it (another tab, a moderator): nothing was
    saved, so the editor can merge their text with ``current_raw`` and save again."""

    def __init__(self, post: Post) -> None:
        super().__init__(_("Someone changed this post while you were editing it. Nothing was saved: your "
                           "text is kept below the current version. Merge the two and save again."))
        self.current_revision = post.edit_count


class PostingBlocked(PermissionDenied):
    """The member cannot post yet; ``reason`` is a code from accounts' posting_block_reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class PostOutcome:
    """What happened to submitted text: the post, and the verdict that decided its state."""

    post: Post
    verdict: Verdict
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.post.state == PostState.PENDING


# --- validation: the one place titles and bodies are cleaned --------------------------------------

def cook(raw: str, writer: Any = None) -> markup.Cooked:
    """A post's text as HTML; ``writer``: whose files it may show (none without one)."""
    files = lookup(PostFiles).resolver(writer) if writer is not None else None
    return markup.cook(raw, resolve_users=resolve_usernames, resolve_uploads=files)


def _record_files(post: Post, cooked: markup.Cooked, writer: Any, *, fetch_remote: bool = True) -> None:
    """In the write's transaction: the files the text uses (references, the topic's thumbnail)."""
    db.session.flush()
    lookup(PostFiles).record(post, cooked, writer, fetch_remote=fetch_remote)


def _store_cooked(post: Post, cooked: markup.Cooked, writer: Any, *, fetch_remote: bool = True) -> None:
    post.cooked = cooked.html
    post.cook_version = markup.COOK_VERSION
    _record_files(post, cooked, writer, fetch_remote=fetch_remote)


def recook_post(post: Post) -> None:
    """Cook a post's current text again as its author wrote it (a remote image is now hosted
    here); no revision, no judgement: the words did not change."""
    try:
        # The job read the post a while ago: cook what it says now, holding its row (PostgreSQL)
        # so an edit cannot land between this read and the write.
        db.session.refresh(post, with_for_update=True)
        _store_cooked(post, cook(post.raw, post.author), post.author, fetch_remote=False)
        refresh_topic_image(post.topic)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def clean_body(raw: str) -> str:
    raw = raw.replace("\r\n", "\n").strip()
    cfg = current_app.config
    if len(strip_invisible(raw).strip()) < cfg["MIN_POST_LENGTH"]:
        raise ValidationFailed({"body": _("Please write at least %(n)d characters.",
                                          n=cfg["MIN_POST_LENGTH"])})
    if len(raw) > cfg["MAX_POST_LENGTH"]:
        raise ValidationFailed({"body": _("Please keep it under %(n)d characters.",
                                          n=cfg["MAX_POST_LENGTH"])})
    return raw


def clean_title(title: str | None, field_name: str = "title") -> str:
    """A topic's (or a meetup's) title: one line, no invisible characters, within the limits."""
    title = " ".join(strip_invisible(title or "").split())
    cfg = current_app.config
    if len(title) < cfg["MIN_TITLE_LENGTH"]:
        raise ValidationFailed({field_name: _("Please write a title of at least %(n)d characters.",
                                              n=cfg["MIN_TITLE_LENGTH"])})
    if len(title) > cfg["MAX_TITLE_LENGTH"]:
        raise ValidationFailed({field_name: _("Please keep the title under %(n)d characters.",
                                              n=cfg["MAX_TITLE_LENGTH"])})
    return title


def require_can_post(user: User) -> None:
    reason = posting_block_reason(user)
    if reason:
        raise PostingBlocked(reason)


def detect_language(raw: str, author: User | None, title: str | None = None) -> str:
    """The language of a post's text (and its topic's title), else its author's language."""
    return detect_post_language(raw, title=title, fallback=member_language(author),
                                languages=community_languages()).language


def _chosen_language(language: str) -> str:
    if language not in community_languages():
        raise ValidationFailed({"language": _("Choose a language from the list.")})
    return language


def _language_of_new(raw: str, author: User, title: str | None, language: str | None) -> tuple[str, bool]:
    """(language, chosen by the author) of a new post."""
    if language and language != AUTO_LANGUAGE:
        return _chosen_language(language), True
    return detect_language(raw, author, title), False


def _judge(draft: Draft, author: User, context: FilterContext) -> tuple[Verdict, list[Verdict]]:
    """Run the content filters; a reject keeps the text with the author (the form is re-shown)."""
    verdict, verdicts = run_filters("forum_filter_post", draft=draft, author=author, context=context)
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"body": verdict.message or _("This post cannot be published.")})
    for v in verdicts:
        if v.kind == VerdictKind.REWRITE and v.new_source is not None:
            draft.raw = v.new_source
    return verdict, verdicts


def _record(post: Post, verdicts: list[Verdict], context: FilterContext, *, held: bool) -> None:
    """Hand the judgement to the recorder inside the transaction (review queue, history)."""
    if held or any(v.kind != VerdictKind.ALLOW for v in verdicts):
        text = "; ".join(f"{v.plugin}: {v.reason}" for v in verdicts if v.kind != VerdictKind.ALLOW and v.reason)
        post.state_reason = text[:2000] or post.state_reason
    db.session.flush()
    lookup(JudgementRecorder).record(Judgement(kind=JudgedKind.POST, subject=post, verdicts=verdicts,
                                               context=context, held=held))


def _check_official(author: User, official: bool) -> None:
    if official and not permissions.can_post_official(author):
        raise PermissionDenied()


# --- writes ----------------------------------------------------------------------------------------

def create_topic(author: User, category: Category, title: str, body: str, *, ip: str | None = None,
                 official: bool = False, commit: bool = True, reviewed_by: User | None = None,
                 language: str | None = None, tags: str | None = None) -> PostOutcome:
    """Start a topic. ``commit=False`` leaves the transaction open for a caller that writes
    more with it (a meetup's discussion topic); that caller commits and fires
    ``forum_topic_created`` itself. ``reviewed_by`` names the moderator who already approved
    what the topic says (a held meetup they approved): a hold is not applied again, and the
    verdicts stay in the post's history. ``language``: the author's choice (None: detected).
    ``tags``: the composer's tags field (comma-separated; None: no tags field), written in the
    same transaction by the registered :class:`~forum.discussions.interfaces.TopicTags`."""
    if not permissions.can_start_topic(author, category):
        raise PermissionDenied()
    require_can_post(author)
    _check_official(author, official)
    title = clean_title(title)
    raw = clean_body(body)
    draft = Draft(raw=raw, title=title)
    language, chosen = _language_of_new(raw, author, title, language)
    context = FilterContext(kind="topic", category_id=category.id, locale=language, ip=ip)
    verdict, verdicts = _judge(draft, author, context)
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL and not (reviewed_by is not None and reviewed_by.is_moderator)
    now = utcnow()
    topic = Topic(category=category, user_id=author.id, title=draft.title or title,
                  slug=slugify(draft.title or title), created_at=now, last_posted_at=now,
                  last_post_user_id=author.id, highest_post_number=1, post_count=0,
                  state=PostState.PENDING, language=language)
    cooked = cook(draft.raw, author)
    post = Post(topic=topic, user_id=author.id, post_number=1, raw=draft.raw, cooked=cooked.html,
                cook_version=markup.COOK_VERSION, language=language, language_chosen=chosen, created_at=now,
                ip_address=ip, state=PostState.PENDING, is_official=official)
    db.session.add_all([topic, post])
    try:
        _record_files(post, cooked, author)
        if tags is not None:
            lookup(TopicTags).write(author, topic, tags, new=True)
        if not held:
            counters.publish(post, fresh=True)  # moves the post and its topic into the counters
        _record(post, verdicts, context, held=held)
        refresh_topic_image(post.topic)
        watching.auto_level_on_write(author, topic, created=True, post_number=1)
        notices.queue_post_notices(post)  # the fan-out runs after the commit (a held post waits)
        if commit:  # with commit=False the caller records the event, commits and fires it
            outbox.record("forum_topic_created", topic=topic, post=post)
            db.session.commit()
    except Exception:
        if commit:  # with commit=False the transaction is the caller's to roll back
            db.session.rollback()
        raise
    if commit:
        fire("forum_topic_created", topic=topic, post=post)
    return PostOutcome(post, verdict, verdicts)


def create_reply(author: User, topic: Topic, body: str, *, reply_to: int | None = None,
                 ip: str | None = None, official: bool = False, language: str | None = None,
                 commit: bool = True) -> PostOutcome:
    """Answer a topic. ``commit=False`` (as for :func:`create_topic`): the caller writes more in
    the same transaction (a post moved to a private conversation), commits and fires
    ``forum_post_created`` itself."""
    if not permissions.can_reply(author, topic):
        raise PermissionDenied()
    require_can_post(author)
    _check_official(author, official)
    raw = clean_body(body)
    draft = Draft(raw=raw)
    language, chosen = _language_of_new(raw, author, None, language)
    context = FilterContext(kind="reply", category_id=topic.category_id, topic_id=topic.id,
                            locale=language, ip=ip)
    verdict, verdicts = _judge(draft, author, context)
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL
    try:
        number = counters.take_post_number(topic)
        cooked = cook(draft.raw, author)
        post = Post(topic=topic, user_id=author.id, post_number=number, raw=draft.raw, cooked=cooked.html,
                    cook_version=markup.COOK_VERSION, language=language, language_chosen=chosen,
                    created_at=utcnow(), ip_address=ip, reply_to_post_number=reply_to, state=PostState.PENDING,
                    is_official=official)
        db.session.add(post)
        _record_files(post, cooked, author)
        if not held:
            counters.publish(post, fresh=True)
        _record(post, verdicts, context, held=held)
        refresh_topic_image(post.topic)
        watching.auto_level_on_write(author, topic, created=False, post_number=number)
        notices.queue_post_notices(post)  # the fan-out runs after the commit (a held post waits)
        if commit:
            outbox.record("forum_post_created", post=post)
            db.session.commit()
    except Exception:
        if commit:
            db.session.rollback()
        raise
    if commit:
        fire("forum_post_created", post=post)
    return PostOutcome(post, verdict, verdicts)


def _change_official(editor: User, post: Post, official: bool, reason: str | None) -> None:
    _check_official(editor, official)
    post.is_official = official
    counters.refresh_official_range(post.topic)
    _audit_official_change(editor, post, reason)


def edit_post(editor: User, post: Post, body: str, *, title: str | None = None,
              reason: str | None = None, official: bool | None = None, commit: bool = True,
              base_revision: int | None = None, language: str | None = None,
              tags: str | None = None) -> PostOutcome:
    """Change a post's text (and, for an opening post, the topic title), keeping a revision.

    The edit is judged like a new post: when the filters would hold it, a published post goes
    back to the review queue (its previous text stays in the revision). ``commit=False`` lets
    a caller (moderation's edit-then-approve and resubmit) finish its own change in the same
    transaction.

    ``base_revision`` is the ``edit_count`` the editor's form started from: when the post has
    moved on since, :class:`EditConflict` is raised and nothing changes (no last-writer-wins).
    The check is a conditional UPDATE, so two saves racing from the same revision cannot both win.

    ``language``: a language the editor chooses (it sticks across later edits), ``AUTO_LANGUAGE``
    to detect (again, when a language was chosen; otherwise only when the text or title
    changed), None to keep a chosen language or else detect from a changed text. A change of
    language alone is an edit too: it is judged again (language-scoped filters) and revised.
    A save that changes nothing (text, title, language, official mark) writes nothing.
    ``tags`` (an opening post's form): the topic's tags as typed, written in the same transaction
    (a change of tags alone is saved without a revision of the text).
    """
    if not permissions.can_edit_post(editor, post):
        raise PermissionDenied()
    if editor.id == post.user_id and not editor.is_moderator:
        require_can_post(editor)
    raw = clean_body(body)
    topic = post.topic
    new_title = clean_title(title) if title is not None and post.post_number == 1 else None
    draft = Draft(raw=raw, title=new_title)
    text_changed = raw != post.raw or (new_title is not None and new_title != topic.title)
    new_language, chosen = _language_of_edit(post, raw, new_title or (topic.title if post.post_number == 1 else None),
                                             language, text_changed=text_changed)
    if (unchanged := not text_changed and (new_language, chosen) == (post.language, bool(post.language_chosen))
            and (official is None or official == post.is_official)) and (tags is None or post.post_number != 1):
        # "Save changes" with nothing changed: no revision, no edit count, no second judgement
        # (which could send an approved post back to the queue).
        return PostOutcome(post, Verdict.allow())
    context = FilterContext(kind="edit", category_id=topic.category_id, topic_id=topic.id,
                            locale=new_language, extra={"post_number": post.post_number})
    verdict, verdicts, tags_changed = _judge_then_tags(draft, editor, context, post, tags, commit=commit)
    if unchanged:
        return _tags_only(editor, post, tags_changed, PostOutcome(post, verdict, verdicts), commit=commit)
    changed_title = new_title is not None and draft.title != topic.title
    changed_language = (new_language, chosen) != (post.language, bool(post.language_chosen))
    if draft.raw == post.raw and not changed_title and not changed_language \
            and (official is None or official == post.is_official):
        return _tags_only(editor, post, tags_changed, PostOutcome(post, verdict, verdicts), commit=commit)
    try:
        _claim_next_revision(post, base_revision)
        revision = PostRevision(post_id=post.id, number=post.edit_count + 1, raw=post.raw, cooked=post.cooked,
                                title=topic.title if post.post_number == 1 else None, editor_id=editor.id,
                                reason=(reason or "").strip()[:500] or None, was_official=post.is_official)
        db.session.add(revision)
        post.raw = draft.raw
        _store_cooked(post, cook(draft.raw, editor), editor)
        post.edit_count += 1
        post.edited_at = utcnow()
        post.language, post.language_chosen = new_language, chosen
        if post.post_number == 1:
            topic.language = new_language
        if changed_title and draft.title:
            topic.title = draft.title
            topic.slug = slugify(draft.title)
        if official is not None and official != post.is_official:
            _change_official(editor, post, official, reason)
        held = verdict.kind == VerdictKind.REQUIRE_APPROVAL and not editor.is_moderator
        if held and post.state == PostState.PUBLISHED:
            counters.set_state(post, PostState.PENDING, editor, verdict.reason)
        _audit_edit(editor, post, revision)
        _record(post, verdicts, context, held=held or post.state == PostState.PENDING)
        refresh_topic_image(post.topic)
        notices.queue_edit_notices(post, revision.raw)  # who the edit newly mentions or quotes, if anyone
        outbox.record("forum_post_edited", post=post, revision=revision)
    except Exception:
        if commit:  # with commit=False the transaction is the caller's to roll back
            db.session.rollback()
        raise
    if commit:
        db.session.commit()
        fire("forum_post_edited", post=post, revision=revision)
        _fire_tags_changed(editor, post, tags_changed)
    return PostOutcome(post, verdict, verdicts)


def _judge_then_tags(draft: Draft, editor: User, context: FilterContext, post: Post, tags: str | None, *,
                     commit: bool) -> tuple[Verdict, list[Verdict], bool]:
    """Judge the edit, then write the tags: a refusal (read-only mode, a locked category) stops a
    tags-only edit too, before anything is written. A tags-only edit's verdict never holds the
    post: only a reject counts."""
    verdict, verdicts = _judge(draft, editor, context)
    return verdict, verdicts, _write_tags(editor, post, tags, commit=commit)


def _fire_tags_changed(editor: User, post: Post, changed: bool) -> None:
    if changed:  # every post of the topic carries its tags in search
        fire("forum_topic_changed", topic=post.topic, actor=editor, change="tags")


def _write_tags(editor: User, post: Post, tags: str | None, *, commit: bool) -> bool:
    """An opening post's edit carries its topic's tags: written first, so bad tags stop the
    whole edit (ValidationFailed, nothing stored)."""
    if tags is None or post.post_number != 1:
        return False
    try:
        return lookup(TopicTags).write(editor, post.topic, tags, new=False)
    except Exception:
        if commit:
            db.session.rollback()
        raise


def _tags_only(editor: User, post: Post, changed: bool, outcome: PostOutcome, *, commit: bool) -> PostOutcome:
    """An edit that changed the topic's tags and nothing else: saved without a revision."""
    if changed and commit:
        outbox.commit_and_fire([("forum_topic_changed", {"topic": post.topic, "actor": editor, "change": "tags"})])
    return outcome


def _language_of_edit(post: Post, raw: str, title: str | None, language: str | None, *,
                      text_changed: bool) -> tuple[str, bool]:
    """(language, chosen) of an edited post: the editor's choice, else a choice the author made
    before, else detected again (falling back to the author's language) when the text or title
    changed or the editor handed a chosen language back ("Detect"); an unchanged text keeps
    the language it has (a post from before detection keeps its author's language until edited)."""
    if language and language != AUTO_LANGUAGE:
        return _chosen_language(language), True
    if language is None and post.language_chosen:
        return post.language, True
    if text_changed or post.language_chosen:
        return detect_language(raw, post.author, title), False
    return post.language, False


def _claim_next_revision(post: Post, base_revision: int | None) -> None:
    """Take revision ``base_revision + 1`` in SQL; a concurrent save that took it first wins and
    this one raises EditConflict (the ORM's own ``+= 1`` then writes the same number). None: the
    caller edits whatever is current (moderation's own flows)."""
    if base_revision is None:
        return
    claimed = db.session.execute(
        update(Post).where(Post.id == post.id, Post.edit_count == base_revision)
        # The column's own + 1, not a literal: PostgreSQL folds a literal past the integer range
        # (a client's base_revision of 2**31 - 1) into an error even when no row matches.
        .values(edit_count=Post.edit_count + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise EditConflict(db.session.get(Post, post.id, populate_existing=True) or post)


def _audit_edit(editor: User, post: Post, revision: PostRevision) -> None:
    """An edit of an official reply (visitors read it as the brand's word: every change is on
    the record, whoever makes it) or by a moderator of someone else's post is audited."""
    if revision.was_official:
        record_action(editor, "post.official_edit", "post", post.id,
                      before={"revision": revision.number, "excerpt": revision.raw[:300]},
                      after={"edit_count": post.edit_count, "excerpt": post.raw[:300],
                             "is_official": post.is_official}, reason=revision.reason)
    elif editor.is_moderator and editor.id != post.user_id:
        record_action(editor, "post.edit", "post", post.id,
                      before={"revision": revision.number, "excerpt": revision.raw[:300]},
                      after={"edit_count": post.edit_count, "excerpt": post.raw[:300]}, reason=revision.reason)


def _audit_official_change(editor: User, post: Post, reason: str | None) -> None:
    """An official reply never changes status silently: the audit log keeps who, when and why."""
    topic = post.topic
    if post.is_official and topic.first_official_reply_at is None and post.post_number > 1 \
            and post.state == PostState.PUBLISHED:
        topic.first_official_reply_at = utcnow()
    record_action(editor, "post.official_mark" if post.is_official else "post.official_unmark", "post", post.id,
                  before={"is_official": not post.is_official}, after={"is_official": post.is_official},
                  reason=(reason or "").strip() or None)


def withdraw_post(user: User, post: Post) -> None:
    """The author takes back a reply: soft delete, shown as "post withdrawn by author"."""
    if not permissions.can_delete_post(user, post):
        raise PermissionDenied()
    counters.set_state(post, PostState.DELETED, user, None)
    db.session.commit()
    fire("forum_post_deleted", post=post, actor=user)


def restore_withdrawn_post(user: User, post: Post) -> None:
    """The author changes their mind about a withdrawn post."""
    if not permissions.can_restore_post(user, post):
        raise PermissionDenied()
    counters.set_state(post, PostState.PUBLISHED, user, None)
    db.session.commit()
    fire("forum_post_restored", post=post, actor=user)


def preview(raw: str, writer: Any = None) -> str:
    # Never cook more than a post may hold: previews are not a free Markdown renderer.
    return cook(raw[:current_app.config["MAX_POST_LENGTH"]], writer).html


def create_category(admin: User, *, name: str, slug: str | None = None, description: str = "",
                    read_access: str = "everyone", topic_access: str = "members",
                    position: int | None = None, **flags: Any) -> Category:
    if not admin.is_admin:
        raise PermissionDenied()
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": _("Please enter a name.")})
    slug = slugify(slug or name, 60)
    if db.session.scalar(select(Category.id).where(Category.slug == slug)):
        raise ValidationFailed({"slug": _("Another category already uses this address.")})
    if position is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(name=name, slug=slug, description=description.strip(), read_access=read_access,
                        topic_access=topic_access, position=position, **flags)
    db.session.add(category)
    db.session.flush()
    record_action(admin, "category.create", "category", category.id, after=category_snapshot(category))
    db.session.commit()
    return category


def category_snapshot(category: Category) -> dict[str, Any]:
    """What the audit log keeps of a category before and after an admin's change: every field,
    translations included, so a change to any of them is a change (texts cut at 300 for the log)."""
    translations = {code: {field: str(text)[:300] for field, text in sorted(entry.items())}
                    for code, entry in sorted((category.translations or {}).items())}
    return {"name": category.name, "slug": category.slug, "description": category.description[:300],
            "read_access": category.read_access, "topic_access": category.topic_access,
            "is_questions": category.is_questions, "approve_topics": category.approve_topics,
            "approve_replies": category.approve_replies, "color": category.color, "position": category.position,
            "translations": translations}
