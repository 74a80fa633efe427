"""The demo community's private side: a "Customer Care" inbox and one conversation with it, so
the Quickstart shows the contact page, a group's inbox and a signed staff reply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.extensions import db
from forum.staff.services import add_member_by_group_name

from . import services
from .models import GroupInbox

CUSTOMER_CARE = "Customer Care"


def load_demo_conversations(people: dict[str, Any]) -> None:
    """A :class:`forum.interfaces.DemoLoader` (forum.demo calls it inside a request context)."""
    agent, customer = people.get("pierre"), people.get("marco")
    if agent is None or customer is None:
        return
    group = add_member_by_group_name(agent, CUSTOMER_CARE, create=True).group
    if db.session.scalar(select(GroupInbox.id).where(GroupInbox.group_id == group.id)) is None:
        db.session.add(GroupInbox(group_id=group.id, enabled=True, description=(
            "Orders, deliveries, warranty and repairs. Please include your order number: we answer within "
            "one working day.")))
        services.sync_open_inboxes()
        db.session.commit()
    conversation = services.start_conversation(
        customer, "Ordine 10482: guarnizione di ricambio",
        "Buongiorno, ho ordinato una guarnizione di ricambio per la Moka Pro 3 (ordine 10482) dieci giorni fa "
        "e non è ancora arrivata. Potete controllare?", to_group=group)
    services.assign(agent, conversation, agent)
    services.post_message(agent, conversation,
                          "Bonjour Marco, I checked order 10482: the parcel left our warehouse yesterday, you "
                          "will receive the tracking link by email today. Sorry for the wait!")
