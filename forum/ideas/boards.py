"""Which categories are ideas boards: the admin's setting, and the cached list pages read.

The ids of the boards are also kept in the setting ``ideas_board_ids`` (settings are cached per
request), so the header's "Ideas" link, a category page and a topic list know whether a
category is a board without a query; the ``idea_boards`` rows are the truth and every change
here rewrites the setting in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from forum.audit import record_action
from forum.discussions.models import Category
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting, set_setting

from . import permissions
from .models import IdeaBoard

BOARD_IDS = "ideas_board_ids"
DEFAULT_BUDGET = "ideas_default_vote_budget"
MAX_BUDGET = 1000


def board_ids() -> set[int]:
    """Ids of the categories that are boards (from the cached settings: no query)."""
    return {int(i) for i in (get_setting(BOARD_IDS) or [])}


def is_board(category_id: int | None) -> bool:
    return category_id is not None and int(category_id) in board_ids()


def board_of(category_id: int) -> IdeaBoard | None:
    return db.session.get(IdeaBoard, category_id) if is_board(category_id) else None


def boards() -> list[IdeaBoard]:
    return list(db.session.scalars(select(IdeaBoard).join(Category).order_by(Category.position, Category.name)))


def _sync_ids() -> None:
    db.session.flush()
    set_setting(BOARD_IDS, sorted(db.session.scalars(select(IdeaBoard.category_id))))


def _budget(value: Any) -> int:
    try:
        budget = int(value if value not in (None, "") else get_setting(DEFAULT_BUDGET) or 0)
    except (TypeError, ValueError):
        raise ValidationFailed({"vote_budget": _("Enter a whole number.")}) from None
    if not 0 <= budget <= MAX_BUDGET:
        raise ValidationFailed({"vote_budget": _("Enter a number from 0 (no limit) to %(max)d.", max=MAX_BUDGET)})
    return budget


def make_board(admin: Any, category: Category, vote_budget: Any = None, *, commit: bool = True) -> IdeaBoard:
    """Make ``category`` an ideas board, or change its budget (None: the default budget)."""
    if not permissions.can_configure(admin):
        raise PermissionDenied()
    budget = _budget(vote_budget)
    board = db.session.get(IdeaBoard, category.id)
    before = None if board is None else {"vote_budget": board.vote_budget}
    if board is None:
        board = IdeaBoard(category_id=category.id, vote_budget=budget)
        db.session.add(board)
    elif board.vote_budget == budget:
        raise ValidationFailed(_("Nothing to change."))
    board.vote_budget = budget
    _sync_ids()
    record_action(admin, "idea_board.save", "category", category.id, before=before, after={"vote_budget": budget})
    if commit:
        db.session.commit()
    return board


def remove_board(admin: Any, category: Category) -> None:
    """The category goes back to an ordinary one; votes and statuses stay (making it a board
    again brings them back)."""
    if not permissions.can_configure(admin):
        raise PermissionDenied()
    board = db.session.get(IdeaBoard, category.id)
    if board is None:
        raise ValidationFailed(_("Nothing to change."))
    db.session.delete(board)
    _sync_ids()
    record_action(admin, "idea_board.remove", "category", category.id, before={"vote_budget": board.vote_budget})
    db.session.commit()
