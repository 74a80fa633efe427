"""Watched words: block, censor, replace, hold for approval or flag words and phrases.

The matching engine is :mod:`.matcher` (pure Python, no Flask); this module is the glue.
It imports nothing from the database at import time, so ``plugins.word_filter.matcher`` can be
used on its own (benchmarks, tests) without defining the plugin's tables twice.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from forum.plugins import SettingField, hookimpl

__plugin_name__ = _l("Word filter")
__plugin_description__ = _l(
    "Watched words per community: block with a message, censor, replace, hold for approval or flag, "
    "by category and language, resistant to spelling tricks.")
__version__ = "1.0.0"

PLUGIN_ID = "word_filter"


@hookimpl
def forum_load_app(app: Any) -> None:
    from . import models  # noqa: F401 - the word_filter_* tables join db.metadata


@hookimpl
def forum_load_blueprints(app: Any) -> None:
    from .views import bp

    app.register_blueprint(bp)


@hookimpl
def forum_gather_settings_schema() -> list[SettingField]:
    return [
        SettingField("leetspeak", _l("Match leetspeak (“5p4m” counts as “spam”)"), type="bool", default=True),
        SettingField("block_message", _l("Message for “block” entries that have none of their own"),
                     type="string", default="", max=300,
                     help=_l("Empty: “Your text contains “…”, which is not allowed here.”")),
    ]


@hookimpl
def forum_gather_admin_links() -> list[tuple[Any, str]]:
    return [(_l("Watched words"), "word_filter.index"), (_l("Test a text"), "word_filter.test")]


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    from .services import judge

    return judge(draft, context)
