"""What the topic and post routes share: the domain's own forms fed from JSON (so a field's
rule has one owner, the form, and its errors become ``fields``), and the posting services'
refusals mapped onto the API's errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from forum.accounts.permissions import posting_block_message
from forum.discussions import services

from .errors import EDIT_CONFLICT, POSTING_BLOCKED, ApiError

F = TypeVar("F", bound=FlaskForm)


def json_form(form_class: Callable[..., F], data: dict[str, Any], names: dict[str, str] | None = None,
              problems: dict[str, str] | None = None) -> F:
    """The web form, filled from the JSON body and validated (no CSRF: the API checks it for
    sessions itself); the fields' errors, with the caller's own ``problems``, answer 422 with
    ``fields``, all at once. ``names``: JSON field -> form field, where they differ
    (``category_id`` -> ``category``)."""
    names = names or {}
    back = {form_name: json_name for json_name, form_name in names.items()}
    formdata = MultiDict({names.get(k, k): ("y" if v is True else "" if v is False else str(v))
                          for k, v in data.items() if v is not None})
    form = form_class(formdata=formdata, meta={"csrf": False})
    valid = form.validate()
    if not valid or problems:
        fields = {back.get(name, name): str(errors[0]) for name, errors in form.errors.items() if errors}
        raise ApiError(422, fields={**fields, **(problems or {})})
    return form


@contextmanager
def posting() -> Iterator[None]:
    """A member who may not post now (code of conduct to accept, silenced, unverified) gets a
    403 saying why, in their language; an edit of an outdated version a 409."""
    try:
        yield
    except services.EditConflict as exc:
        raise ApiError(409, exc.message, code=EDIT_CONFLICT) from exc
    except services.PostingBlocked as exc:
        raise ApiError(403, posting_block_message(exc.reason), code=POSTING_BLOCKED) from exc
