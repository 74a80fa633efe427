"""Privacy fixtures: the counter oracle runs after every request and at the end of every test
(an erasure that withdraws posts must leave every counter right)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.invariants import invariants_checked  # noqa: F401 - autouse: the suite checks counters

LINK_RE = re.compile(r"(https?://\S+)")


@pytest.fixture
def mail_link() -> Any:
    """The first link in the last mail to ``address`` whose subject contains ``subject``."""

    def find(outbox: list[Any], address: str, subject: str) -> str:
        for message in reversed(outbox):
            if message.to == address and subject in message.subject:
                match = LINK_RE.search(message.body)
                assert match, message.body
                return match.group(1)
        raise AssertionError(f"no mail {subject!r} to {address}: {[m.subject for m in outbox]}")

    return find
