"""The code of conduct: its versions, their translations, publishing, accepting, who accepted.

A version holds the community's default language in its columns (``body``, ``body_html``,
``summary``) and the other community languages in ``translations``
(``{"it": {"body": ..., "body_html": ..., "summary": ...}}``); every body is cooked by
:mod:`forum.markup`, once, when the version is published. A member reads the version in
their language when the admin wrote one, else the default language's text
(:func:`reading_language`); accepting records the version **and the language read**
(``coc_acceptances.language``), so "who agreed to what" stays answerable when translations
differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum import markup
from forum.audit import record_action
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import clean_translations, community_languages, default_language, shown_language
from forum.text import strip_control_chars

from .models import CodeOfConduct, CodeOfConductAcceptance, User

MIN_BODY = 20
TRANSLATED_FIELDS = ("body", "summary")


def current_coc() -> CodeOfConduct | None:
    return db.session.scalar(select(CodeOfConduct).order_by(CodeOfConduct.version.desc()).limit(1))


def current_coc_version() -> int:
    return db.session.scalar(select(func.max(CodeOfConduct.version))) or 0


def get_coc(version: int) -> CodeOfConduct:
    coc = db.session.scalar(select(CodeOfConduct).where(CodeOfConduct.version == version))
    if coc is None:
        raise NotFound()
    return coc


def needs_coc_acceptance(user: Any) -> bool:
    return bool(user.is_authenticated) and user.accepted_coc_version < current_coc_version()


# --- languages --------------------------------------------------------------------------------------

def coc_languages(coc: CodeOfConduct) -> list[str]:
    """The languages this version can be read in: the default one, then its translations."""
    default = default_language()
    translated = [code for code in community_languages() if code != default
                  and isinstance(entry := (coc.translations or {}).get(code), dict) and entry.get("body")]
    return [default, *translated]


def reading_language(coc: CodeOfConduct, locale: str | None = None) -> str:
    """The language a reader of ``locale`` (the current reader's by default) is shown."""
    return shown_language(coc, "body", locale)


def _accepted_language(coc: CodeOfConduct, language: str | None) -> str:
    """The language to record: the one the page said it showed, if this version has it."""
    return language if language in coc_languages(coc) else reading_language(coc)


# --- publishing --------------------------------------------------------------------------------------

def _clean(text: str | None) -> str:
    return strip_control_chars(text or "").replace("\r\n", "\n").strip()


def publish_coc(admin: User, body: str, summary: str,
                translations: dict[str, dict[str, Any]] | None = None) -> CodeOfConduct:
    """Publish a new version (the admin accepts it). ``translations``: per other community
    language, ``{"body": ..., "summary": ...}``; a language without a body is not offered
    (its readers get the default language's text). Errors on a translation are keyed
    ``"<field>__<language>"`` (the admin form's field names)."""
    if not admin.is_admin:
        raise PermissionDenied()
    body, summary = _clean(body), _clean(summary)
    errors: dict[str, str] = {}
    if len(body) < MIN_BODY:
        errors["body"] = _("The code of conduct needs some text (20 characters at least).")
    if not summary:
        errors["summary"] = _("Tell members what changed.")
    cleaned = clean_translations({code: {k: _clean(v) for k, v in entry.items()}
                                  for code, entry in (translations or {}).items()}, TRANSLATED_FIELDS)
    stored: dict[str, dict[str, str]] = {}
    for code, entry in cleaned.items():
        text = entry.get("body", "")
        if len(text) < MIN_BODY:
            errors[f"body__{code}"] = _("The code of conduct needs some text (20 characters at least).")
            continue
        stored[code] = {"body": text, "body_html": markup.cook(text).html, "summary": entry.get("summary", "")}
    if errors:
        raise ValidationFailed(errors)
    version = current_coc_version() + 1
    coc = CodeOfConduct(version=version, body=body, body_html=markup.cook(body).html,
                        summary=summary, translations=stored, published_by_id=admin.id)
    db.session.add(coc)
    try:
        db.session.flush()
        # The admin who publishes it accepts it, in the language they wrote it in.
        db.session.add(CodeOfConductAcceptance(user_id=admin.id, coc_version=version, language=default_language()))
        admin.accepted_coc_version = version
        record_action(admin, "coc.publish", "coc", version,
                      after={"summary": summary[:300], "languages": [default_language(), *sorted(stored)]})
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"": _("Another admin published a version at the same moment. Check the "
                                      "list of versions and try again.")}) from exc
    return coc


# --- accepting ------------------------------------------------------------------------------------------

def record_acceptance(user: User, coc: CodeOfConduct, language: str | None) -> CodeOfConductAcceptance:
    """Stage ``user``'s acceptance of ``coc`` read in ``language`` (the caller commits)."""
    acceptance = CodeOfConductAcceptance(user_id=user.id, coc_version=coc.version,
                                         language=_accepted_language(coc, language))
    db.session.add(acceptance)
    return acceptance


def accept_coc(user: User, version: int, language: str | None = None) -> None:
    """``user`` accepts ``version``, read in ``language`` (what the page showed them)."""
    coc = current_coc()
    if coc is None or version != coc.version:
        raise ValidationFailed({"accept": _("A newer code of conduct was published; please read it.")})
    exists = db.session.scalar(select(CodeOfConductAcceptance.id).where(
        CodeOfConductAcceptance.user_id == user.id, CodeOfConductAcceptance.coc_version == version))
    if not exists:
        record_acceptance(user, coc, language)
    user.accepted_coc_version = max(user.accepted_coc_version, version)
    try:
        db.session.commit()
    except IntegrityError:
        # A double click raced us to the same row: the acceptance is stored either way.
        db.session.rollback()


# --- who accepted -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AcceptancePage:
    coc: CodeOfConduct
    rows: list[CodeOfConductAcceptance]
    page: int
    has_more: bool
    accepted: int
    members: int


def coc_acceptances(admin: Any, version: int, *, page: int = 1, per_page: int = 100) -> AcceptancePage:
    """Who accepted ``version`` (and in which language), newest first, one page at a time (admins only)."""
    if not admin.is_authenticated or not admin.is_admin:
        raise PermissionDenied()
    coc = get_coc(version)
    page = max(1, page)
    query = (select(CodeOfConductAcceptance).options(joinedload(CodeOfConductAcceptance.user))
             .where(CodeOfConductAcceptance.coc_version == version)
             .order_by(CodeOfConductAcceptance.accepted_at.desc(), CodeOfConductAcceptance.id.desc())
             .offset((page - 1) * per_page).limit(per_page + 1))
    rows = list(db.session.scalars(query))
    accepted = db.session.scalar(select(func.count()).select_from(CodeOfConductAcceptance)
                                 .where(CodeOfConductAcceptance.coc_version == version)) or 0
    members = db.session.scalar(select(func.count()).select_from(User)) or 0
    return AcceptancePage(coc=coc, rows=rows[:per_page], page=page, has_more=len(rows) > per_page,
                          accepted=accepted, members=members)


def coc_versions_with_counts() -> list[tuple[CodeOfConduct, int]]:
    counts = (select(CodeOfConductAcceptance.coc_version, func.count().label("n"))
              .group_by(CodeOfConductAcceptance.coc_version).subquery())
    rows = db.session.execute(
        select(CodeOfConduct, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.coc_version == CodeOfConduct.version)
        .order_by(CodeOfConduct.version.desc()))
    return [(coc, int(n)) for coc, n in rows]
