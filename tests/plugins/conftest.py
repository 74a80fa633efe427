"""Helpers for plugin tests."""

from __future__ import annotations

import importlib

from forum.config import PROJECT_ROOT


def register_bundled_models() -> None:
    """Import the bundled plugins' models, as the app does when it loads them.

    The test database schema is created once per process, by the first app; a module whose
    app loads other plugins (a temporary PLUGIN_DIRS, safe mode) calls this first so the
    bundled plugins' tables exist for the modules that run after it in the same process.
    """
    from forum.plugins.manager import _import_folder_plugin

    folder = PROJECT_ROOT / "plugins" / "word_filter"
    module = _import_folder_plugin("word_filter", folder)
    importlib.import_module(f"{module.__name__}.models")
