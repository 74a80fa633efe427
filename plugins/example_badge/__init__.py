"""Newcomer badge: the example plugin of plugins/README.md.

It shows the four things most plugins need: a hook implementation (``forum_tpl_post_footer``,
a template slot), a setting (``max_posts``, rendered in Admin → Plugins), and a translated
string (``plugins/example_badge/translations``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from forum.plugins import SettingField, hookimpl, plugin_setting

__plugin_name__ = _l("Newcomer badge")
__plugin_description__ = _l("An example plugin: a “Newcomer” badge under the posts of members who just joined.")
__version__ = "1.0.0"

PLUGIN_ID = "example_badge"


@hookimpl
def forum_gather_settings_schema() -> list[SettingField]:
    return [
        SettingField("max_posts", _l("Show the badge while a member has at most this many posts"),
                     type="int", default=3, min=0, max=10_000),
    ]


@hookimpl
def forum_tpl_post_footer(post: Any, user: Any) -> Any:
    author = post.author  # eager-loaded with the post: no query here
    if author is None or author.is_staff or author.post_count > plugin_setting(PLUGIN_ID, "max_posts"):
        return None
    # Markup.format escapes every argument: plugins return safe HTML.
    return Markup('<span class="tag newcomer-badge" title="{}">{}</span>').format(
        _("%(name)s joined recently: say hello!", name=author.display_name), _("Newcomer"))
