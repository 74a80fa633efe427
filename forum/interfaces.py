"""App-wide extension points that no single domain owns (domain protocols live in each
domain's ``interfaces.py``). Contributions are made with :mod:`forum.registry`."""

from __future__ import annotations

from typing import Any, Protocol


class DemoLoader(Protocol):
    """Adds a domain's part of the Quickstart's demo community (moderation: a queue with
    work in it; events: meetups). Called once, after the base community exists, inside a
    request context, with the demo people by username."""

    def __call__(self, people: dict[str, Any]) -> None: ...
