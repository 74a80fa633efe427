"""Collaborators that domains register at start-up, looked up by the interface they implement.

A lower domain that needs a higher one's behaviour declares a ``Protocol`` in its
``interfaces.py``; the higher domain registers an implementation from its ``init_app``
(as Warehouse registers service factories). Callers then ask for the interface, never import
the implementation, so dependencies keep pointing down and nothing registers itself by being
imported.

* :func:`provide` / :func:`lookup`: exactly one implementation (e.g. the judgement recorder).
  Providing a second one for the same interface is a start-up error, not a silent override.
* :func:`contribute` / :func:`contributions`: any number, in registration order (search
  sources, demo loaders, review subjects). The order is the order of ``create_app``'s domain
  list, so it is deterministic.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from flask import Flask, current_app

T = TypeVar("T")

_KEY = "forum.registry"


class MissingCollaborator(LookupError):
    """Nothing registered the interface: a domain's ``init_app`` did not run."""


def _store(app: Flask) -> dict[str, dict[Any, Any]]:
    return app.extensions.setdefault(_KEY, {"one": {}, "many": {}})  # type: ignore[no-any-return]


def provide(app: Flask, interface: type[T], implementation: T) -> None:
    """Register THE implementation of ``interface`` for this app."""
    one = _store(app)["one"]
    if interface in one:
        raise RuntimeError(f"{interface.__name__} is already provided by {one[interface]!r}")
    one[interface] = implementation


def lookup(interface: type[T], app: Flask | None = None) -> T:
    """The registered implementation of ``interface`` (in the current app by default)."""
    try:
        return cast(T, _store(app or current_app)["one"][interface])
    except KeyError as exc:
        raise MissingCollaborator(f"no implementation of {interface.__name__} was registered") from exc


def contribute(app: Flask, interface: type[T], item: T) -> None:
    """Add one more implementation of a many-valued interface."""
    _store(app)["many"].setdefault(interface, []).append(item)


def contributions(interface: type[T], app: Flask | None = None) -> list[T]:
    """Every contribution to ``interface``, in registration order (a copy)."""
    return list(_store(app or current_app)["many"].get(interface, []))
