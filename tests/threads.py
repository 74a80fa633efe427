"""Run work in threads that start together (a barrier), and fail the test with any thread's error."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def run_together(work: Callable[..., Any], arguments: Iterable[Sequence[Any]], *, timeout: float = 120) -> None:
    """Call ``work(*args)`` once per item of ``arguments``, each in its own thread, all released
    at the same moment; an exception in any thread fails the caller."""
    calls = [tuple(args) for args in arguments]
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(args: tuple[Any, ...]) -> None:
        try:
            barrier.wait(timeout=30)
            work(*args)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(args,)) for args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
