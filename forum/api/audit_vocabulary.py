"""How API key entries read in the audit log."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db

from .models import ApiKey


def _key_names(ids: Collection[int]) -> Mapping[int, TargetName]:
    rows = db.session.execute(select(ApiKey.id, ApiKey.name, ApiKey.prefix).where(ApiKey.id.in_(list(ids))))
    return {key_id: TargetName(f"{name} (circolo_{prefix}_…)") for key_id, name, prefix in rows}


VOCABULARY = AuditVocabulary(
    actions={"api_key.create": _l("Made an API key"), "api_key.revoke": _l("Revoked an API key")},
    fields={"name": _l("Name"), "kind": _l("Kind"), "scopes": _l("Scopes"), "user": _l("Acts as")},
    targets={"api_key": _key_names},
    target_labels={"api_key": _l("API key")},
)
