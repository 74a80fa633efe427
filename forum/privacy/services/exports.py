"""A member's copy of their data: asked for on the "Your data" page, built by a job, mailed as
a link that works for a limited time, removed by a cleanup job afterwards.

The ZIP holds one ``<name>.json`` per :class:`~forum.accounts.interfaces.PersonalData`
contribution (and ``<name>.csv`` when its rows are flat, through :mod:`forum.csv_export`, the
CSV-injection guard), and a README.txt in the member's language saying what each file is. It is
kept in the forum's file storage (local or S3, :mod:`forum.uploads.storage`) under a random key,
never under the web root; only the download route serves it, to the member signed in, with a
signed link.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import zipfile
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from forum import csv_export, jobs
from forum.accounts.interfaces import PersonalData
from forum.accounts.lookalikes import community_name
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import NotFound, ValidationFailed
from forum.extensions import db
from forum.i18n_content import member_language
from forum.mail import send_mail
from forum.registry import contributions
from forum.uploads.services import file_storage
from forum.urls import external_url

from .. import policy
from ..models import DataExport, ExportState

log = logging.getLogger(__name__)

BUILD_JOB = "privacy.build_export"
CLEANUP_JOB = "privacy.cleanup_exports"
KEY_PREFIX = "privacy-exports/"
SCALARS = (str, int, float, bool, type(None))


class LinkExpired(Exception):
    """The download link's time is up (or the file was removed): the page says so."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="forum.privacy.export")


def download_token(export: DataExport) -> str:
    return _serializer().dumps({"e": export.id, "u": export.user_id})


# --- asking ----------------------------------------------------------------------------------------

def exports_of(user: Any, limit: int = 10) -> list[DataExport]:
    return list(db.session.scalars(select(DataExport).where(DataExport.user_id == user.id)
                                   .order_by(DataExport.requested_at.desc(), DataExport.id.desc()).limit(limit)))


def request_export(user: User) -> DataExport:
    """Queue a copy of ``user``'s data (one at a time, a few a day). Commits."""
    pending = db.session.scalar(select(DataExport.id).where(DataExport.user_id == user.id,
                                                            DataExport.state == ExportState.PENDING).limit(1))
    if pending is not None:
        raise ValidationFailed(_("Your copy is being prepared: you will receive an email when it is ready."))
    since = utcnow() - timedelta(days=1)
    recent = db.session.scalar(select(func.count()).select_from(DataExport).where(
        DataExport.user_id == user.id, DataExport.requested_at > since)) or 0
    if recent >= policy.exports_per_day():
        raise ValidationFailed(_("You asked for a copy of your data several times today. Please try again "
                                 "tomorrow."))
    export = DataExport(user_id=user.id, state=ExportState.PENDING, requested_at=utcnow())
    db.session.add(export)
    db.session.flush()
    jobs.enqueue(BUILD_JOB, {"export_id": export.id}, dedupe_key=f"privacy.export:{export.id}")
    db.session.commit()
    return export


# --- building (the job) ----------------------------------------------------------------------------

def _flat(rows: list[dict[str, Any]]) -> bool:
    return all(isinstance(v, SCALARS) for row in rows for v in row.values())


def _header(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def build_archive(user: User) -> bytes:
    """The ZIP's bytes: every contribution's rows as JSON (and CSV when flat), and a README."""
    buffer = io.BytesIO()
    readme = [_("Your data on %(site)s, as of %(date)s (UTC).", site=community_name(),
                date=utcnow().strftime("%Y-%m-%d %H:%M")), "",
              _("Each .json file holds one part of it; a .csv file with the same name holds the same rows "
                "for a spreadsheet."), ""]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in contributions(PersonalData):
            rows = section.export(user)
            archive.writestr(f"{section.name}.json", json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            files = f"{section.name}.json"
            if rows and _flat(rows):
                header = _header(rows)
                archive.writestr(f"{section.name}.csv",
                                 csv_export.render(header, ([row.get(k) for k in header] for row in rows)))
                files += f", {section.name}.csv"
            # Each contribution says what its section is (a plugin's may not: then a generic line).
            description = getattr(section, "description", None) or _(
                "Data kept by the part of the forum called “%(name)s”.", name=section.name)
            readme.append(f"{files}\n    {description}")
        archive.writestr("README.txt", "\n".join(readme) + "\n")
    return buffer.getvalue()


def build_export(payload: dict[str, Any]) -> None:
    """The job: build the file, store it, mail the link. Idempotent (a built export is left)."""
    export = db.session.get(DataExport, int(payload.get("export_id") or 0))
    if export is None or export.state != ExportState.PENDING:
        return
    user = db.session.get(User, export.user_id)
    if user is None:
        return
    with force_locale(member_language(user)):
        data = build_archive(user)
        key = f"{KEY_PREFIX}{secrets.token_hex(16)}.zip"
        file_storage().put(key, data, content_type="application/zip")
        now = utcnow()
        export.state, export.storage_key, export.size = ExportState.READY, key, len(data)
        export.ready_at, export.expires_at = now, now + policy.export_link_lifetime()
        link = external_url("privacy.download", token=download_token(export))
        send_mail(user.email, _("Your data from %(site)s is ready", site=community_name()),
                  _("Hello %(name)s,\n\nthe copy of your data you asked for is ready. Sign in and download "
                    "it here:\n%(link)s\n\nThe link works for %(lifetime)s; after that the file is deleted. "
                    "If you did not ask for it, change your password.", name=user.display_name, link=link,
                    lifetime=format_timedelta(policy.export_link_lifetime(), threshold=1.0)),
                  dedupe_key=f"privacy.export:{export.id}")
    db.session.commit()


# --- downloading -----------------------------------------------------------------------------------

def export_for_download(user: Any, token: str) -> DataExport:
    """The export ``token`` names, for ``user`` only: NotFound for another member or a forged
    token, LinkExpired once its time is up."""
    try:
        data = _serializer().loads(token, max_age=int(policy.export_link_lifetime().total_seconds()))
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise NotFound() from exc
    if not isinstance(data, dict) or data.get("u") != user.id or not isinstance(data.get("e"), int):
        raise NotFound()
    export = db.session.get(DataExport, data["e"])
    if export is None or export.user_id != user.id:
        raise NotFound()
    if export.state == ExportState.EXPIRED or (export.expires_at is not None and export.expires_at <= utcnow()):
        raise LinkExpired()
    if export.state != ExportState.READY or not export.storage_key:
        raise NotFound()
    return export


# --- cleaning up (periodic job) --------------------------------------------------------------------

def cleanup_exports() -> int:
    """Remove the files whose link expired. Idempotent; returns how many were removed."""
    due = list(db.session.scalars(select(DataExport).where(DataExport.state == ExportState.READY,
                                                           DataExport.expires_at <= utcnow())))
    storage = file_storage()
    for export in due:
        if export.storage_key:
            storage.delete(export.storage_key)  # a missing file is fine (a retried job)
        export.state, export.storage_key = ExportState.EXPIRED, None
    db.session.commit()
    if due:
        log.info("removed %d expired data exports", len(due))
    return len(due)


def remove_exports_of(user: Any) -> None:
    """On erasure, in the caller's transaction: the member's files go at once (the rows stay,
    expired, holding nothing personal)."""
    storage = file_storage()
    for export in db.session.scalars(select(DataExport).where(DataExport.user_id == user.id,
                                                              DataExport.state.in_((ExportState.PENDING,
                                                                                    ExportState.READY)))):
        if export.storage_key:
            storage.delete(export.storage_key)
        export.state, export.storage_key = ExportState.EXPIRED, None
