"""Demo community for the Quickstart: a coffee-machine brand's forum in three languages.

Built through the real services (so cooking, counters and hooks behave as in production),
and idempotent: a second run only resets the demo admin's password and prints it again.
The base community (people, staff, threads) is here, at the top of the house beside the
command line; each domain adds its own part through a registered ``DemoLoader``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select

from forum.accounts import services as accounts
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import integrity
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, Topic
from forum.extensions import db
from forum.interfaces import DemoLoader
from forum.notifications.preferences import pause_all_email
from forum.registry import contributions
from forum.settings import get_setting, register_defaults, set_setting
from forum.staff.services import add_member_by_group_name
from forum.urls import public_base

DEMO_MARKER = "demo_loaded"


def init_app(app: Flask) -> None:
    register_defaults(app, {DEMO_MARKER: False})


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    locale: str
    role: str = "member"
    staff_group: str | None = None
    title: str | None = None
    initials: str | None = None


PEOPLE = [
    DemoPerson("giulia", "Giulia Romano", "it", role="moderator", staff_group="Moka Team",
               title="Community Manager", initials="GR"),
    DemoPerson("pierre", "Pierre Lefèvre", "fr", staff_group="Service Client", title="Support", initials="PL"),
    DemoPerson("emma", "Emma Clarke", "en", staff_group="Product", title="Head of Product", initials="EC"),
    DemoPerson("marco", "Marco Bianchi", "it"),
    DemoPerson("chiara", "Chiara Esposito", "it"),
    DemoPerson("sophie", "Sophie Martin", "fr"),
    DemoPerson("lucas", "Lucas Bernard", "fr"),
    DemoPerson("oliver", "Oliver Hughes", "en"),
    DemoPerson("hannah", "Hannah Price", "en"),
]

# (category slug, author, title, body, [(author, reply, official?)])
THREADS: list[tuple[str, str, str, str, list[tuple[str, str, bool]]]] = [
    ("announcements", "giulia", "Benvenuti nella community Moka Lab! / Welcome! / Bienvenue !",
     "Ciao a tutti! Questa è la casa di chi ama il caffè fatto bene.\n\n"
     "- **Supporto**: fate domande e segnate la risposta che vi ha aiutato\n"
     "- **Generale**: ricette, macinature, foto delle vostre tazzine\n\n"
     "Please read the [code of conduct](/code-of-conduct) before posting. À bientôt !",
     [("marco", "Finalmente un posto dove parlare di estrazioni senza essere giudicati 😄", False)]),
    ("support", "marco", "La Moka Pro 3 perde acqua dalla guarnizione",
     "Da qualche giorno la mia **Moka Pro 3** perde acqua tra caldaia e raccoglitore.\n\n"
     "Ho già provato a:\n\n1. stringere di più\n2. pulire il filetto\n\nQualcuno ha avuto lo stesso problema?",
     [("chiara", "Succedeva anche a me: era la guarnizione indurita. Dopo un anno va cambiata.", False),
      ("giulia", "Ciao Marco, grazie della segnalazione. La guarnizione va sostituita ogni 12 mesi circa: "
                 "trovi il ricambio originale nel nostro shop. Se la macchina ha meno di due anni è in "
                 "garanzia, scrivici e te la spediamo gratis.", True)]),
    ("support", "sophie", "Quelle mouture pour la cafetière italienne ?",
     "Bonjour à tous ! J'utilise du café moulu pour filtre et le résultat est très **amer**.\n"
     "Quelle mouture conseillez-vous ?",
     [("lucas", "Plus grosse que pour l'espresso, plus fine que pour le filtre. Et ne tassez pas !", False),
      ("pierre", "Bonjour Sophie, Lucas a raison : une mouture moyenne-fine, sans tasser, et retirez la "
                 "cafetière du feu dès que le café commence à gargouiller.", True)]),
    ("general", "oliver", "Show us your morning setup ☕",
     "Here's mine: a 3-cup moka, a hand grinder and ~~too much~~ just enough coffee.\n\n"
     "| Beans | Grind | Heat |\n|---|---|---|\n| Ethiopian | medium-fine | low |",
     [("hannah", "Same pot, but I swear by pre-heated water in the base. Game changer.", False),
      ("marco", "@oliver bella configurazione! Io uso una Bialetti del '98, indistruttibile.", False)]),
    ("general", "chiara", "Ricetta: caffè shakerato perfetto",
     "Per due persone:\n\n```\n2 tazzine di caffè appena fatto\n4 cubetti di ghiaccio\n"
     "1 cucchiaino di zucchero di canna\n```\n\nShakerate per 20 secondi e servite nel bicchiere da martini.",
     [("sophie", "Testé hier soir : délicieux ! Merci Chiara.", False)]),
    ("support", "hannah", "Induction hob: which adapter?",
     "My new kitchen has an induction hob and my aluminium moka pot doesn't work on it. "
     "Is the adapter plate safe, or should I buy the steel model?",
     [("emma", "Hi Hannah! The adapter plate works but heats slowly. Our steel **Moka Induction** "
               "is designed for it and brews in about 4 minutes.", True)]),
    ("general", "lucas", "Café et dessert : vos associations préférées ?",
     "Moi c'est un ristretto avec un carré de chocolat noir 70 %. Et vous ?",
     [("oliver", "Espresso and a slice of lemon tart. Don't knock it till you try it.", False)]),
]


# The starter categories in the community's other languages: members read them in theirs.
CATEGORY_TRANSLATIONS: dict[str, dict[str, dict[str, str]]] = {
    "announcements": {"it": {"name": "Annunci", "description": "Le novità dal team."},
                      "fr": {"name": "Annonces", "description": "Les nouvelles de l’équipe."}},
    "general": {"it": {"name": "Generale", "description": "Parla di tutto ciò che riguarda i nostri prodotti."},
                "fr": {"name": "Général", "description": "Parlez de tout ce qui touche à nos produits."}},
    "support": {"it": {"name": "Assistenza", "description": "Fai una domanda e segna la risposta che l’ha risolta."},
                "fr": {"name": "Assistance", "description": "Posez vos questions et marquez la réponse qui a "
                                                             "résolu le problème."}},
    "events": {"it": {"name": "Eventi", "description": "Gli incontri e le loro discussioni."},
               "fr": {"name": "Événements", "description": "Les rencontres et leurs sujets."}},
}


def load_demo() -> tuple[str, str]:
    """Create the demo community once; return the admin's username and a fresh password."""
    password = secrets.token_urlsafe(9)
    admin = db.session.scalar(select(User).where(User.username_canonical == "demo-admin"))
    if admin is None:
        admin = accounts.create_account("demo-admin", "admin@example.com", password, role="admin",
                                        display_name="Demo Admin")
    else:
        admin.password_hash = accounts.hash_password(password)
        db.session.commit()
    if get_setting(DEMO_MARKER):
        return admin.username, password

    set_setting("community_name", "Moka Lab Community")
    set_setting("community_tagline", "Coffee lovers, the Moka Lab team and you. · Caffè · Café")
    db.session.commit()
    people: dict[str, User] = {}
    for person in PEOPLE:
        user = accounts.create_account(person.username, f"{person.username}@example.com",
                                       secrets.token_urlsafe(12), role=person.role,
                                       display_name=person.display_name, locale=person.locale)
        user.title, user.signature_initials = person.title, person.initials
        people[person.username] = user
        if person.staff_group:
            add_member_by_group_name(user, person.staff_group, create=True)
        # Made-up people at example.com: they hear of things in the bell, but are mailed
        # nothing, so the console shows the newcomer's own mail (their verification link).
        pause_all_email(user)
    db.session.commit()

    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    start = utcnow() - timedelta(days=len(THREADS) + 1)
    for i, (slug, author, title, body, replies) in enumerate(THREADS):
        outcome = discussions.create_topic(people[author], categories[slug], title, body)
        topic = outcome.post.topic
        _backdate(topic, outcome.post, start + timedelta(days=i))
        for j, (who, text, official) in enumerate(replies):
            post = discussions.create_reply(people[who], topic, text, official=official).post
            _backdate(topic, post, start + timedelta(days=i, hours=2 + j * 3))
        if slug == "announcements":
            topic.is_pinned = topic.pinned_globally = True  # leads /latest too, for everyone
    integrity.repair(db.session)  # last-activity pointers follow the backdated times
    db.session.commit()
    # Each domain's own demo content (moderation's queue, events' meetups), in domain order.
    with current_app.test_request_context("/", base_url=public_base()):
        for loader in contributions(DemoLoader):
            loader(people)
    for category in db.session.scalars(select(Category).where(Category.slug.in_(CATEGORY_TRANSLATIONS))):
        category.translations = {**CATEGORY_TRANSLATIONS[category.slug], **(category.translations or {})}
    set_setting(DEMO_MARKER, True)
    db.session.commit()
    return admin.username, password


def _backdate(topic: Topic, post: Post, when: datetime) -> None:
    """Spread the demo over the past days so lists and times look lived-in. Only the rows'
    own times change here: the counters' owner recomputes every pointer afterwards."""
    post.created_at = when
    if post.post_number == 1:
        topic.created_at = when
    db.session.commit()
