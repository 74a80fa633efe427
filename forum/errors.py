"""Domain errors raised by services and mapped to HTTP answers by views."""

from __future__ import annotations

from collections.abc import Mapping


class ForumError(Exception):
    """Base class of every error a service raises on purpose."""


class ValidationFailed(ForumError):
    """Business-rule validation failed; ``errors`` maps form field name to a translated message.

    The key ``""`` holds messages that belong to no single field.
    """

    def __init__(self, errors: Mapping[str, str] | str) -> None:
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in self.errors.items()))

    @property
    def message(self) -> str:
        return next(iter(self.errors.values()))


class PermissionDenied(ForumError):
    """The acting user may not do this (views answer 403)."""


class NotFound(ForumError):
    """The thing does not exist or is not visible to the acting user (views answer 404)."""
