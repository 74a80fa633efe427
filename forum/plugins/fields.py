"""The inputs a plugin declares: its settings (rendered by the admin UI) and the extra fields
it adds to core forms. Imports nothing from forum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SETTING_TYPES = ("string", "text", "int", "bool", "choice", "lines")


@dataclass(frozen=True)
class SettingField:
    """One field of a plugin's settings form, rendered by the admin UI and validated by type.

    * ``string``: one line of text; ``text``: several lines; ``min``/``max`` bound the length.
    * ``int``: a whole number; ``min``/``max`` bound the value.
    * ``bool``: a checkbox.
    * ``choice``: one of ``choices`` (pairs of stored value and label).
    * ``lines``: a list of strings, one per line in a text box (blank lines dropped).

    ``label`` and ``help`` may be lazy translations (``lazy_gettext``).

    ``translatable=True`` (``string`` and ``text``): a text members read, so the admin may write
    it in each community language. The admin UI adds one optional field per other language,
    stored as ``"<key>__<language>"``; read it in the reader's language, with the core's
    fallback to the default language's text, with ``localized_plugin_setting(id, key)``.
    """

    key: str
    label: Any
    type: str = "string"
    default: Any = None
    help: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()
    min: int | None = None
    max: int | None = None
    required: bool = False
    translatable: bool = False


def translation_key(key: str, language: str) -> str:
    """Where a translatable setting's text in ``language`` is stored (``"block_message__it"``)."""
    return f"{key}__{language}"


# Extra inputs a plugin adds to a core form (``forum_tpl_form_fields``) are named
# ``pf_<plugin id>__<name>``; the form's view hands every such field to the filters
# (``FilterContext.extra`` / ``form_data["extra"]``), with ``"form"`` naming the form.
FORM_FIELD_PREFIX = "pf_"


def form_field_name(plugin_id: str, name: str) -> str:
    """The input name a plugin uses for an extra field in a core form."""
    return f"{FORM_FIELD_PREFIX}{plugin_id}__{name}"
