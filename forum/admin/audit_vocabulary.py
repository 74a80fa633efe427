"""How admin actions read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={
        "settings.brand": _l("Changed the brand"),
        "plugin.enable": _l("Enabled a plugin"),
        "plugin.disable": _l("Disabled a plugin"),
    },
    target_labels={"plugin": _l("plugin")},
    fields={"community_name": _l("Community name"), "community_tagline": _l("Tagline"), "logo_url": _l("Logo"),
            "brand_primary": _l("Primary colour"), "brand_accent": _l("Accent colour"), "theme": _l("Theme"),
            "plugin": _l("Plugin")},
)
