"""How the ideas domain's staff actions read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"idea.status": _l("Changed an idea's status"),
             "idea.merge": _l("Merged a duplicate idea into another"),
             "idea_board.save": _l("Made a category an ideas board (or changed its budget)"),
             "idea_board.remove": _l("Turned an ideas board back into a category"),
             "ideas.settings": _l("Changed the ideas settings")},
    fields={"status": _l("Status"), "votes": _l("Votes"), "vote_budget": _l("Votes per member"),
            "default_budget": _l("Default votes per member"), "labels": _l("Status labels"),
            "given_back": _l("Members whose second vote was given back")},
)
