"""Who may upload, and who may read an uploaded file.

A file follows what uses it: a file in a post is readable by whoever may read that post's
text (its category, its state: a held post's files are for its author and moderators), a file
only an earlier revision still holds is for whoever may read the post's history, avatars and
brand assets in use are public (replaced or removed ones are not, at once).

Quoting republishes: a member may put in a post any file they can read through a post (quoting a
post copies its images), so a file quoted from a members-only topic into a public one becomes
public, as the quoted words do; a file read in a private conversation is never theirs to reuse.
Only files of posts are shared this way; avatars and brand assets never. The uploader always
reads their own files (a draft's images show in their preview). A file nothing references yet is
its uploader's alone. Readers who may not read a file get a 404, never a 403:
guessing tokens learns nothing.

A file in a private conversation's message is for that conversation's readers (and its
uploader) only: moderators' access to every file stops there. The messages domain answers who
reads a message through :class:`~forum.uploads.interfaces.PrivateReferences`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from forum.accounts import trust
from forum.accounts.models import AnonymousUser
from forum.accounts.permissions import posting_block_reason
from forum.discussions.models import Post
from forum.discussions.permissions import can_see_post_body, can_see_revisions, can_see_topic, outranks
from forum.registry import contributions
from forum.settings import get_setting

from .interfaces import PrivateReferences
from .models import ReferenceKind, Upload, UploadKind, UploadReference

_PUBLIC_KINDS = (UploadKind.AVATAR, UploadKind.BRAND)
# A picture or brand asset is public while it is in use; one replaced or removed (an offensive
# avatar a moderator took down) is at once only its uploader's and staff's, until collected.
_PUBLIC_REFERENCES = (ReferenceKind.AVATAR, ReferenceKind.BRAND)
# Targets only their own domain's readers may see (not moderators): see PrivateReferences.
PRIVATE_REFERENCES = (ReferenceKind.MESSAGE,)
_VISITOR = AnonymousUser()


def uploads_enabled() -> bool:
    """The admin's switch (Admin -> Uploads): off, nobody uploads anything new."""
    return bool(get_setting("uploads_enabled"))


def can_upload(user: Any) -> bool:
    """Members who may post may upload (their files go into posts) once their trust level allows
    (``trust_level_to_upload``); visitors never."""
    return (uploads_enabled() and bool(user.is_authenticated) and posting_block_reason(user) is None
            and trust.may(user, "upload"))


def can_read_post_files(user: Any, post: Post) -> bool:
    return can_see_topic(user, post.topic) and can_see_post_body(user, post)


def readable_private_targets(user: Any, references: Iterable[UploadReference]) -> set[tuple[str, int]]:
    """The private targets (kind, id) among ``references`` that ``user`` may read: one question
    per kind to the domain that owns it."""
    wanted: dict[str, list[int]] = {}
    for ref in references:
        if ref.target_kind in PRIVATE_REFERENCES:
            wanted.setdefault(ref.target_kind, []).append(ref.target_id)
    if not wanted or not user.is_authenticated:
        return set()
    found: set[tuple[str, int]] = set()
    for owner in contributions(PrivateReferences):
        if owner.kind in wanted:
            found |= {(owner.kind, target) for target in owner.readable(user, wanted[owner.kind])}
    return found


def can_read_upload(user: Any, upload: Upload, references: Iterable[UploadReference],
                    posts: dict[int, Post], private: Collection[tuple[str, int]] = ()) -> bool:
    """``references``: the file's references; ``posts``: the posts they name, by id;
    ``private``: the private targets ``user`` may read (:func:`readable_private_targets`)."""
    references = list(references)
    if upload.collected_at is not None:
        return False
    if upload.kind in _PUBLIC_KINDS and any(ref.target_kind in _PUBLIC_REFERENCES for ref in references):
        return True  # a member's current picture, a brand asset in use
    in_private = any(ref.target_kind in PRIVATE_REFERENCES for ref in references)
    if user.is_authenticated and (user.id == upload.user_id or (user.is_moderator and not in_private)):
        return True
    if in_private and any((ref.target_kind, ref.target_id) in private for ref in references):
        return True
    return any((post := posts.get(ref.target_id)) is not None and (
        can_read_post_files(user, post) if ref.target_kind == ReferenceKind.POST
        else ref.target_kind == ReferenceKind.REVISION and can_read_revision_files(user, post))
        for ref in references if ref.target_kind in (ReferenceKind.POST, ReferenceKind.REVISION))


def can_read_revision_files(user: Any, post: Post) -> bool:
    """A file only an earlier text holds: for whoever may read the post's history."""
    return can_see_topic(user, post.topic) and can_see_revisions(user, post)


def is_public(upload: Upload, references: Iterable[UploadReference], posts: dict[int, Post]) -> bool:
    """Whether a visitor may read the file: then browsers and shared caches may keep it."""
    return can_read_upload(_VISITOR, upload, list(references), posts)


def can_use_in_post(writer: Any, upload: Upload, readable: bool) -> bool:
    """A writer may put a file in a post (or a message) when it is theirs, or when they can read
    it through a post (quoting a post copies its images). ``readable``: the caller's
    :func:`can_read_upload` answer given no private targets: reading a file in a private
    conversation never lets a reader use it elsewhere (a public post, another conversation), which
    would hand it to new readers; its uploader alone may (it is theirs)."""
    if upload.collected_at is not None or upload.kind not in (UploadKind.IMAGE, UploadKind.ATTACHMENT):
        return False
    return (writer.is_authenticated and writer.id == upload.user_id) or readable


def can_change_avatar(actor: Any, user: Any) -> bool:
    """A member sets their own picture, nobody else's, when they may take part (the posting
    gate; a code of conduct still to accept is asked when they post, not here)."""
    return bool(actor.is_authenticated and user is not None and actor.id == user.id
                and posting_block_reason(actor) in (None, "coc"))


def can_remove_avatar(actor: Any, user: Any) -> bool:
    """The member themself (removing adds nothing), or a moderator on someone they outrank."""
    if not actor.is_authenticated or user is None:
        return False
    return bool(actor.id == user.id or (actor.is_moderator and outranks(actor, user)))
