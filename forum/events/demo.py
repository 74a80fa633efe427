"""Demo meetups for ``flask forum demo`` (registered in forum.demo.DEMO_EXTENSIONS)."""

from __future__ import annotations

from datetime import time, timedelta

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db

from . import services
from .services import EventInput


def load_demo_events(people: dict[str, User]) -> None:
    """A full meetup with a waitlist, an online tasting and a past event."""
    host = people["giulia"]
    in_two_weeks = (utcnow() + timedelta(days=14)).date()
    milan = services.create_event(host, EventInput(
        title="Moka Lab meetup in Milano", timezone="Europe/Rome", start_date=in_two_weeks,
        start_time=time(18, 30), end_time=time(21, 0), venue="Moka Lab Store",
        address="Corso Garibaldi 12, Milano", map_url="https://www.openstreetmap.org/search?query=Milano",
        capacity=3, cohosts=["emma"],
        description="Tasting of the **new blends**, Q&A with the product team, and *aperitivo*.\n\n"
                    "Degustazione, domande al team prodotto e aperitivo. Dégustation et apéritif."))
    # Naming Emma only invites her; in the demo she has said yes, so it shows a co-hosted meetup.
    services.accept_cohost(people["emma"], milan)
    for name in ("marco", "chiara", "oliver", "sophie", "lucas"):  # the last two wait for a seat
        services.rsvp(people[name], milan, "going")
    services.rsvp(people["hannah"], milan, "interested")
    online = services.create_event(people["pierre"], EventInput(
        title="Atelier en ligne : détartrer sa cafetière", timezone="Europe/Paris",
        start_date=in_two_weeks + timedelta(days=7), start_time=time(12, 0), end_time=time(13, 0),
        online_url="https://meet.example.com/moka-lab", online_link_to_waitlist=True,
        attendee_visibility="public",
        description="Pierre shows, step by step, how to descale your moka pot (in French, with English Q&A)."))
    services.rsvp(people["sophie"], online, "going")
    past = services.create_event(host, EventInput(
        title="Espresso basics workshop", timezone="Europe/London", start_date=in_two_weeks,
        start_time=time(10, 0), end_time=time(12, 0), venue="Moka Lab London",
        description="Grinding, dosing and tamping: the basics."))
    services.rsvp(people["oliver"], past, "going")
    shift = timedelta(days=45)  # move it into the past for the "past events" page
    past.starts_at, past.ends_at = past.starts_at - shift, past.ends_at - shift
    db.session.commit()
