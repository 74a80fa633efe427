"""Webhook fixtures: a real local receiver, an admin, an endpoint pointing at the receiver
(allowed as an internal host, as an admin would), and running the delivery jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from forum import jobs
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.jobs import Job, JobState
from forum.webhooks import services
from forum.webhooks.models import WebhookEndpoint
from forum.webhooks.services import EndpointInput
from tests.factories import make_user

from .receiver import Receiver, running_receiver


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WEBHOOKS_TIMEOUT": 0.5, "WEBHOOKS_DEADLINE": 1.0}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def admin(app: Any) -> User:
    return make_user("ada", role="admin")


def add_endpoint(admin: User, url: str, events: list[str], *, allow_internal: bool = True,
                 active: bool = True) -> WebhookEndpoint:
    return services.create_endpoint(admin, EndpointInput(url=url, description="", events=events, active=active,
                                                         allow_internal=allow_internal))


def run_deliveries(*, rounds: int = 20) -> int:
    """Run every queued delivery job now, retries included (their delay skipped): how many ran."""
    ran = 0
    for _round in range(rounds):
        ids = list(db.session.scalars(select(Job.id).where(Job.name == services.JOB, Job.state == JobState.QUEUED)))
        if not ids:
            return ran
        db.session.execute(update(Job).where(Job.id.in_(ids)).values(run_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        for job_id in ids:
            jobs.run(job_id)
            ran += 1
    return ran
