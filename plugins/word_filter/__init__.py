"""Watched words: block, censor, replace, hold for approval or flag words and phrases.

The matching engine is the :mod:`.matcher` package (pure Python: no Flask, no forum, no
database); :mod:`.services` holds the rules, :mod:`.models` the table and :mod:`.views` the
admin pages. This module is the glue: hook implementations only.

Circolo imports this folder once, as ``forum_plugins.word_filter``; its tests do the same
(``tests/plugins/conftest.py``), so the table is defined once per process.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from forum.plugins import SettingField, hookimpl

from .services import judge
from .views import bp

__plugin_name__ = _l("Word filter")
__plugin_description__ = _l(
    "Watched words per community: block with a message, censor, replace, hold for approval or flag, "
    "by category and language, resistant to spelling tricks.")
__version__ = "1.0.0"


@hookimpl
def forum_load_blueprints(app: Any) -> None:
    app.register_blueprint(bp)


@hookimpl
def forum_gather_settings_schema() -> list[SettingField]:
    return [
        SettingField("leetspeak", _l("Match leetspeak (“5p4m” counts as “spam”)"), type="bool", default=True),
        SettingField("block_message", _l("Message for “block” entries that have none of their own"),
                     type="string", default="", max=300, translatable=True,
                     help=_l("Empty: “Your text contains “…”, which is not allowed here.”")),
    ]


@hookimpl
def forum_gather_admin_links() -> list[tuple[Any, str]]:
    return [(_l("Watched words"), "word_filter.index"), (_l("Test a text"), "word_filter.test")]


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    return judge(draft, context)
