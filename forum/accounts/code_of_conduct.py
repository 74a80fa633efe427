"""Reading the code of conduct's versions (publishing and accepting are in services)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from forum.errors import NotFound
from forum.extensions import db

from .models import CodeOfConduct


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
