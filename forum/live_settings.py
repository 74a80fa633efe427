"""Admin choices that shape the app apply to every worker without a restart.

Most settings are read per request (``forum.settings``), so they apply at once. Two are
built into the app at start-up instead: the **theme** (the Jinja loader chain) and the
**enabled plugins** (hook implementations, blueprints, template folders). A community
manager cannot restart the server, and with several workers a restart of one would leave the
others showing the old theme.

So the process's WSGI entry point is :class:`LiveSettings`, a thin middleware in front of the
app that :func:`forum.create_app` built. At most once every ``SETTINGS_CHECK_SECONDS`` (and
right after any request that may have written, so the admin's own next page is already
right) it reads the settings version (``forum.settings.current_version``: one indexed row,
one tiny query). When the version moved it compares the app's :func:`app_shape` with the
one stored now, and when they differ it builds a new app exactly as start-up does and sends
the following requests there; requests already running finish on the old one. Building takes
a fraction of a second and happens only when the theme or the plugins really changed.

``SETTINGS_CHECK_SECONDS = None`` turns this off (the test suite does, except the tests of
this module: a check is one more query, and count tests must not depend on the clock).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from forum.extensions import db
from forum.settings import all_settings, current_version

log = logging.getLogger(__name__)

SHAPE = "forum.app_shape"
# Methods that never write (no GET changes state): after any other, look again at once.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Shape = tuple[str | None, frozenset[str]]


def app_shape(values: dict[str, Any], config: Any) -> Shape:
    """What of the settings an app is built from: the chosen theme and the disabled plugins
    (the admin's list, or the configured default until an admin chooses)."""
    chosen = values.get("disabled_plugins")
    disabled = config["DEFAULT_DISABLED_PLUGINS"] if chosen is None else chosen
    return values.get("theme"), frozenset(p for p in disabled if isinstance(p, str))


def record_shape(app: Flask, shape: Shape) -> None:
    """Called by create_app with the shape it built the app from."""
    app.extensions[SHAPE] = shape


class LiveSettings:
    """The WSGI callable of the process: serves the current app, rebuilds it when its shape changed."""

    def __init__(self, app: Flask, rebuild: Callable[[Flask], Flask], interval: float) -> None:
        self.current = app
        self._serve: Callable[..., Iterable[bytes]] = app.wsgi_app
        self._rebuild = rebuild
        self._interval = interval
        self._next_check = 0.0
        self._seen_version: int | None = None
        self._failures = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if time.monotonic() >= self._next_check:
            self.check()
        response = self._serve(environ, start_response)
        if environ.get("REQUEST_METHOD", "GET") not in READ_ONLY_METHODS:
            self._next_check = 0.0  # the view has run: if it changed a setting, the next request sees it
        return response

    def check(self) -> bool:
        """Rebuild the app if the stored shape differs from it; True when it was rebuilt."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking: serve the current app meanwhile
        try:
            self._next_check = time.monotonic() + self._interval
            app = self.current
            with app.app_context():
                version = current_version()
                if version == self._seen_version:
                    return False
                stored = app_shape(all_settings(), app.config)
            if stored != app.extensions.get(SHAPE):
                self._switch_to(self._rebuild(app), old=app)
                log.info("theme or plugins changed (settings version %d): the app was rebuilt", version)
            # Only now: a failed look or build is tried again, never taken as seen.
            self._seen_version, self._failures = version, 0
            return self.current is not app
        except Exception:  # the database is away, or the new app failed: keep serving the old one
            self._failures += 1
            # Try again, backing off (2 s, 4 s … at most a minute) so a broken build is not redone per request.
            self._next_check = time.monotonic() + max(self._interval, min(60.0, 2.0 ** self._failures))
            log.exception("could not apply the new settings (attempt %d); still serving the previous ones",
                          self._failures)
            return False
        finally:
            self._lock.release()

    def _switch_to(self, new: Flask, old: Flask) -> None:
        self.current, self._serve = new, new.wsgi_app
        with old.app_context():
            db.engine.dispose()  # idle connections go now; ones still checked out close when returned


def install(app: Flask, rebuild: Callable[[Flask], Flask]) -> None:
    """Put :class:`LiveSettings` in front of ``app`` (unless SETTINGS_CHECK_SECONDS is None);
    ``rebuild(current)`` builds a new app like ``current`` from what the database says now."""
    interval = app.config.get("SETTINGS_CHECK_SECONDS")
    if interval is None:
        return
    app.wsgi_app = LiveSettings(app, rebuild, float(interval))  # type: ignore[method-assign]


def live(app: Flask) -> LiveSettings | None:
    wsgi = app.wsgi_app
    return wsgi if isinstance(wsgi, LiveSettings) else None
