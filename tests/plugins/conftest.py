"""Helpers for plugin tests.

The bundled word_filter plugin is imported here, once per process, the way the app imports
it (``forum_plugins.word_filter``), before any test module: its engine tests import
``forum_plugins.word_filter.matcher`` at module level, and its table must be defined once
(importing the folder under a second name, ``plugins.word_filter``, would define it twice)
and be known to the first app of the run, which creates the test schema.
"""

from __future__ import annotations

from types import ModuleType

from forum.config import PROJECT_ROOT
from forum.plugins.manager import _import_folder_plugin


def import_bundled(plugin_id: str) -> ModuleType:
    """A bundled plugin's package, imported as the app imports it (or already was)."""
    return _import_folder_plugin(plugin_id, PROJECT_ROOT / "plugins" / plugin_id)


WORD_FILTER = import_bundled("word_filter")
