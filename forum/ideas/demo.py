"""The Quickstart demo's ideas board: a few ideas in three languages, votes, and a "planned" one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.discussions import services as discussions
from forum.discussions.models import Category
from forum.extensions import db

from . import boards, status, votes

# (author, title, body, voters)
IDEAS = [
    ("marco", "Un timer sulla Moka Pro per spegnere il fuoco da solo",
     "Sarebbe comodo un **timer** integrato che avvisa (o spegne la piastra) quando il caffè è salito.",
     ["chiara", "sophie", "oliver", "hannah"]),
    ("sophie", "Une version de la Moka Pro pour plaques à induction",
     "Beaucoup d'entre nous ont une plaque à **induction** : un fond compatible serait génial.",
     ["lucas", "marco", "hannah"]),
    ("oliver", "Replacement gaskets sold in packs of three",
     "Gaskets wear out every year: a pack of three would save shipping.", ["chiara"]),
]


def load_demo_ideas(people: dict[str, Any]) -> None:
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    category = db.session.scalar(select(Category).where(Category.slug == "ideas"))
    if category is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
        category = Category(slug="ideas", name="Ideas", position=position, color="#c47f17",
                            description="Suggest what Moka Lab should make next, and vote for the ideas you want.",
                            translations={"it": {"name": "Idee", "description": "Proponi cosa dovrebbe creare Moka Lab "
                                                 "e vota le idee che vuoi."},
                                          "fr": {"name": "Idées", "description": "Proposez ce que Moka Lab devrait "
                                                 "créer ensuite et votez pour vos idées préférées."}})
        db.session.add(category)
        db.session.commit()
    if category.id not in boards.board_ids():
        boards.make_board(admin, category, 5)
    topics = []
    for author, title, body, voters in IDEAS:
        topic = discussions.create_topic(people[author], category, title, body).post.topic
        topics.append(topic)
        for name in voters:
            votes.vote(people[name], topic)
    status.set_status(people["emma"], topics[0], "planned",
                      "Ci stiamo lavorando per la prossima serie / We are working on it for the next series. 🎉")
    status.set_status(people["emma"], topics[1], "under_review",
                      "Nous étudions la faisabilité avec l'équipe technique.")
