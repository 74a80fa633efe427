"""How the sso domain's entries read in the audit log (targets are members: accounts names them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"sso.link": _l("Connected a sign-in provider account"),
             "sso.unlink": _l("Disconnected a sign-in provider account"),
             "sso.role_sync": _l("Role set from the sign-in provider's groups"),
             "sso.role_sync_kept": _l("Kept the last administrator's role, which the sign-in provider's "
                                      "groups would have removed"),
             "sso.staff_groups": _l("Staff groups set from the sign-in provider's groups")},
    targets={},
    target_labels={},
    fields={"provider": _l("Sign-in provider"), "how": _l("How"), "added": _l("Added"), "removed": _l("Removed"),
            "wanted": _l("Role the groups give")},
)
