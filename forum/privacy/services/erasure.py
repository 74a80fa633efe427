"""Deleting an account: asked for with the password, confirmed by mail, a grace period during
which the account is deactivated (a sign-in may cancel), then the erasure.

The erasure is one transaction: every :class:`~forum.accounts.interfaces.PersonalData`
contribution erases its part (in registration order), then the user row is anonymised ("Former
member", an unusable address and password, no picture, no sessions), the audit entries by or
about the account lose its personal values, and one entry records the erasure (the account's
id, who and why: nothing personal). If any part raises, nothing is erased.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash

from forum.accounts.external import has_usable_password, unusable_password
from forum.accounts.interfaces import PersonalData
from forum.accounts.lookalikes import community_name
from forum.accounts.models import Role, User, new_session_token
from forum.accounts.services import canonical_username
from forum.accounts.sessions import revoke_all_sessions
from forum.accounts.states import FORMER_MEMBER, Membership
from forum.audit import record_action
from forum.audit.personal_data import scrub_member
from forum.db_types import utcnow
from forum.discussions.models import Post
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import member_language
from forum.mail import send_mail
from forum.registry import contributions
from forum.search.services import sync as search_sync
from forum.text import lookalike_skeleton
from forum.urls import external_url

from .. import permissions, policy
from ..models import AccountDeletion, DeletionState
from .exports import remove_exports_of

log = logging.getLogger(__name__)

ERASE_JOB = "privacy.erase_due"
CONFIRM_MAX_AGE = 48 * 3600  # the confirmation link's life, in seconds
# Longer than any name the registration form accepts (20): never one a person could take.
USERNAME_FORMAT = "former-member-{:08d}"
ACTION = "user.erase"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="forum.privacy.delete")


def confirmation_token(deletion: AccountDeletion) -> str:
    return _serializer().dumps({"d": deletion.id, "n": deletion.nonce, "u": deletion.user_id})


def is_last_admin(user: User) -> bool:
    """``user`` is an administrator and no other active one (not leaving, not erased) remains:
    their own deletion would leave the forum with nobody to run it."""
    if user.role != Role.ADMIN:
        return False
    others = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.id != user.id,
        User.membership.not_in((Membership.LEAVING, Membership.ERASED)))) or 0
    return others == 0


def _refuse_last_admin(user: User) -> None:
    if is_last_admin(user):
        raise ValidationFailed(_("You are the last administrator: appoint another one before deleting your "
                                 "account."))


# --- asking and confirming -----------------------------------------------------------------------

def open_deletion(user: Any) -> AccountDeletion | None:
    """The member's request waiting for its confirmation or its grace period, if any."""
    return db.session.scalar(select(AccountDeletion).where(
        AccountDeletion.user_id == user.id,
        AccountDeletion.state.in_((DeletionState.REQUESTED, DeletionState.SCHEDULED)))
        .order_by(AccountDeletion.id.desc()).limit(1))


def request_deletion(user: User, *, password: str, remove_content: bool) -> AccountDeletion:
    """Check the password (an account without one, made at the identity provider, confirms by
    mail alone) and mail the confirmation link. Commits."""
    if has_usable_password(user) and not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed({"password": _("This is not your current password.")})
    if user.membership == Membership.LEAVING:
        raise ValidationFailed(_("Your account is already scheduled for deletion."))
    _refuse_last_admin(user)
    for earlier in db.session.scalars(select(AccountDeletion).where(AccountDeletion.user_id == user.id,
                                                                    AccountDeletion.state == DeletionState.REQUESTED)):
        earlier.state, earlier.cancelled_at = DeletionState.CANCELLED, utcnow()  # its link stops working
    deletion = AccountDeletion(user_id=user.id, state=DeletionState.REQUESTED, nonce=secrets.token_hex(16),
                               remove_content=policy.removes_content(remove_content), requested_at=utcnow())
    db.session.add(deletion)
    db.session.flush()
    with force_locale(member_language(user)):
        link = external_url("privacy.confirm_deletion", token=confirmation_token(deletion))
        send_mail(user.email, _("Confirm the deletion of your %(site)s account", site=community_name()),
                  _("Hello %(name)s,\n\nto delete your account, open this link and confirm:\n%(link)s\n\n"
                    "The link works for %(lifetime)s. Your account is then closed at once and erased after "
                    "%(grace)s; signing in before that lets you cancel. If you did not ask for this, ignore "
                    "this message and change your password.", name=user.display_name, link=link,
                    lifetime=format_timedelta(CONFIRM_MAX_AGE, threshold=1.0),
                    grace=format_timedelta(policy.grace_period(), threshold=1.0)))
    db.session.commit()
    return deletion


def read_confirmation(token: str) -> AccountDeletion:
    """The request a confirmation link names; ValidationFailed (with what to do) otherwise."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired as exc:
        raise ValidationFailed(_("This link has expired. Ask for the deletion again.")) from exc
    except BadSignature as exc:
        raise ValidationFailed(_("This link is not valid. Check that you copied all of it.")) from exc
    deletion_id = data.get("d") if isinstance(data, dict) else None
    deletion = db.session.get(AccountDeletion, deletion_id) if isinstance(deletion_id, int) else None
    if deletion is None or not secrets.compare_digest(str(data.get("n")), deletion.nonce) \
            or data.get("u", deletion.user_id) != deletion.user_id:
        raise ValidationFailed(_("This link is not valid. Check that you copied all of it."))
    if deletion.state != DeletionState.REQUESTED:
        raise ValidationFailed(_("This link was already used or the request was cancelled."))
    return deletion


def confirm_deletion(token: str) -> AccountDeletion:
    """Start the grace period: the account is deactivated and signed out everywhere. Commits."""
    deletion = read_confirmation(token)
    user = db.session.get(User, deletion.user_id)
    assert user is not None  # the row cascades with the account
    _refuse_last_admin(user)  # the other administrators may have left since the request
    now = utcnow()
    deletion.state, deletion.confirmed_at = DeletionState.SCHEDULED, now
    deletion.erase_after = now + policy.grace_period()
    deletion.previous_membership = user.membership
    user.membership = Membership.LEAVING
    user.session_token = new_session_token()
    revoke_all_sessions(user)
    record_action(user, "user.deletion_scheduled", "user", user.id,
                  after={"erase_after": deletion.erase_after.isoformat()})
    db.session.commit()
    return deletion


def cancel_deletion(user: User) -> bool:
    """The member keeps their account (before the erasure). False when nothing was pending."""
    deletion = open_deletion(user)
    if deletion is None:
        return False
    if deletion.state == DeletionState.SCHEDULED:
        user.membership = deletion.previous_membership or Membership.OPEN
        record_action(user, "user.deletion_cancelled", "user", user.id)
    deletion.state, deletion.cancelled_at = DeletionState.CANCELLED, utcnow()
    db.session.commit()
    return True


# --- erasing ---------------------------------------------------------------------------------------

def erase_due() -> int:
    """The periodic job: erase every account whose grace period is over, each in its own
    transaction (one failing is logged and retried next time; the others proceed)."""
    due = list(db.session.scalars(select(AccountDeletion.id).where(
        AccountDeletion.state == DeletionState.SCHEDULED, AccountDeletion.erase_after <= utcnow())
        .order_by(AccountDeletion.id)))
    erased = 0
    for deletion_id in due:
        deletion = db.session.get(AccountDeletion, deletion_id)
        user = db.session.get(User, deletion.user_id) if deletion else None
        if deletion is None or user is None or deletion.state != DeletionState.SCHEDULED:
            continue
        if is_last_admin(user):  # kept scheduled: erased once another administrator is appointed
            log.warning("not erasing account %s: it is the last administrator's (the request stays scheduled)",
                        user.id)
            continue
        try:
            erase_account(user, actor=None, reason=None, remove_content=deletion.remove_content, deletion=deletion)
        except Exception:
            log.exception("could not erase account %s", deletion.user_id)
            continue
        erased += 1
    return erased


def admin_erase(admin: User, user: User, reason: str) -> None:
    """An administrator anonymises a member at once (with a reason). Refused for themselves and
    for the last administrator."""
    if not permissions.can_erase_member(admin):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why: the audit log keeps the reason.")})
    if user.id == admin.id:
        raise ValidationFailed(_("You cannot anonymise your own account here: use “Delete my account”."))
    if user.membership == Membership.ERASED:
        raise ValidationFailed(_("This account was already erased."))
    if user.role == Role.ADMIN and (db.session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN, User.membership != Membership.ERASED)) or 0) <= 1:
        raise ValidationFailed(_("This is the last administrator: appoint another one first."))
    erase_account(user, actor=admin, reason=reason[:500], remove_content=policy.removes_content(False))


def erase_account(user: User, *, actor: User | None, reason: str | None, remove_content: bool,
                  deletion: AccountDeletion | None = None) -> None:
    """Erase ``user`` in one transaction (see the module's policy). Commits; then the search
    index forgets the name on their posts."""
    personal = [user.email, user.email_canonical, user.username, user.display_name]
    post_ids = list(db.session.scalars(select(Post.id).where(Post.user_id == user.id)))
    try:
        for section in contributions(PersonalData):
            section.erase(user, remove_content=remove_content)
        remove_exports_of(user)
        _anonymise(user)
        # Recorded first, so the scrub covers it too: the reason may quote the member's name.
        record_action(actor, ACTION, "user", user.id, after={"remove_content": remove_content}, reason=reason)
        scrub_member(user.id, personal)
        now = utcnow()
        if deletion is None:  # an administrator's erasure: its record, and no request stays open
            db.session.execute(update(AccountDeletion).where(
                AccountDeletion.user_id == user.id,
                AccountDeletion.state.in_((DeletionState.REQUESTED, DeletionState.SCHEDULED)))
                .values(state=DeletionState.CANCELLED, cancelled_at=now))
            deletion = AccountDeletion(user_id=user.id, nonce=secrets.token_hex(16), requested_at=now)
            db.session.add(deletion)
        deletion.state, deletion.erased_at, deletion.remove_content = DeletionState.ERASED, now, remove_content
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    try:
        search_sync("post", post_ids)  # the index held the former name beside each post
    except Exception:  # the index catches up on its own (forum.search queues failures)
        log.exception("search index not updated after erasing account %s", user.id)


def _anonymise(user: User) -> None:
    """The user row itself, last (the contributions read it while erasing their parts)."""
    name = USERNAME_FORMAT.format(user.id)
    user.username = name
    user.username_canonical = canonical_username(name)
    user.username_skeleton = lookalike_skeleton(name)
    user.display_name = FORMER_MEMBER
    user.email = user.email_canonical = f"{name}@erased.invalid"  # RFC 2606: never delivered
    user.password_hash = unusable_password()
    user.session_token = new_session_token()
    revoke_all_sessions(user)
    user.membership = Membership.ERASED
    user.role = Role.MEMBER
    user.is_staff_member = False
    for column in ("avatar_token", "locale", "timezone", "browser_locale", "browser_timezone", "color_scheme",
                   "title", "signature_initials", "last_seen_at", "previous_visit_at", "email_verified_at"):
        setattr(user, column, None)
    user.bio = user.bio_html = ""
