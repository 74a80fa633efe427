"""The moderation blueprint, shared by moderation's view modules (``views``, ``settings_views``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__)
