"""Circolo: a self-hosted community forum a brand runs for its own customers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app (see :mod:`forum.app`)."""
    # Deferred on purpose: importing a ground-floor module (``forum.markup`` from a script or a
    # plugin's tests) must not import every domain of the app.
    from forum.app import create_app as build

    return build(test_config)
