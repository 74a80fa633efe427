"""Ideas boards: votes, statuses with notes, merging and the product team's export (issue 15).

A category becomes an ideas board by the admin's choice (``/admin/ideas``); its topics are ideas.
Members vote (:mod:`.votes`, the one writer of the counts), staff give statuses with a public
note and fold duplicates (:mod:`.status`), everyone who voted or watches hears of each status
change (:mod:`.notices`, through the job queue), and the product team reads ``/ideas`` and the
CSV export (:mod:`.export`). Discussions never imports this package: the topic header and the
header navigation are template slots (:mod:`.hooks`), the topic lists' chips and the category
page's link are ``ignore missing`` includes of templates under ``ideas/``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import settings
from forum.accounts.interfaces import PersonalData
from forum.audit import AuditVocabulary
from forum.discussions.interfaces import PostsMovedListener
from forum.interfaces import AdminSection, DemoLoader, IntegrityCheck
from forum.plugins.manager import register_core
from forum.registry import contribute

from . import admin_views, audit_vocabulary, hooks, listing, notices, personal_data, views
from .boards import BOARD_IDS, DEFAULT_BUDGET
from .demo import load_demo_ideas
from .integrity import INTEGRITY_CHECK
from .statuses import LABELS_SETTING, status_label
from .votes import IdeasFollowTopics

DEFAULTS = {
    BOARD_IDS: [],       # kept by boards.make_board/remove_board: pages read it without a query
    DEFAULT_BUDGET: 10,  # votes per member on a new board (0: no limit)
    LABELS_SETTING: {},  # {status: localized label}: empty uses the built-in, translated labels
}


def init_app(app: Flask) -> None:
    """Registers everything this domain adds."""
    app.register_blueprint(views.bp)
    admin_views.add_routes(app)  # /admin/ideas: endpoints of the same blueprint
    settings.register_defaults(app, DEFAULTS)
    notices.init_app(app)
    register_core(app, hooks, "ideas.hooks")
    app.add_template_global(listing.idea_chip, "idea_chip")
    app.add_template_global(status_label, "idea_status_label")
    app.add_template_global(lambda category_id: category_id in listing.board_ids(), "is_idea_board")
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, PostsMovedListener, IdeasFollowTopics())  # a moved idea's votes follow it
    contribute(app, DemoLoader, load_demo_ideas)
    contribute(app, IntegrityCheck, INTEGRITY_CHECK)  # `forum check`: ideas.vote_count
    contribute(app, PersonalData, personal_data.IdeaVotes())
    contribute(app, AdminSection, AdminSection("ideas.admin", _l("Ideas"),
                                               _l("ideas boards, votes per member and what statuses are called")))
