"""Webhooks: signed JSON deliveries of forum events to the brand's systems. Being built: issue 14."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
