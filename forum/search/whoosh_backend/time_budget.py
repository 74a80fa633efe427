"""A per-query time budget, checked between matches with a monotonic clock.

Not Whoosh's ``TimeLimitCollector``: it arms ``signal.SIGALRM`` (main thread only, and one
alarm per process, shared by every request of a threaded worker) or starts a
``threading.Timer`` per search. Reading a clock between matches needs neither, is safe in
any worker model, and costs ~50 ns a match.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from whoosh import collectors

DEFAULT_TIME_BUDGET_SECONDS = 0.15
Clock = Callable[[], float]


class TimeBudgetExceeded(Exception):
    """Raised inside the collection when the deadline passed; what was collected stands."""


class TimeBudgetCollector(collectors.WrappingCollector):  # type: ignore[misc]
    """Wraps the collector that scores and keeps hits; stops the search at ``deadline``.

    Place it *inside* a ``FilterCollector``: the filter pulls candidates from ``matches()``
    (so the clock is read for every candidate, masked ones too) and then calls
    ``collect``. After ``TimeBudgetExceeded``, ``results()`` holds the hits found so far.

    The first ``min_candidates`` candidates are never cut: a page's worth of matches costs
    milliseconds even for a broad query, and without that floor a garbage-collection pause
    or a preempted worker would turn a cheap search into an empty "too broad" one.
    """

    def __init__(self, child: collectors.Collector, deadline: float, clock: Clock = time.monotonic,
                 min_candidates: int = 0) -> None:
        super().__init__(child)
        self.deadline = deadline
        self.clock = clock
        self.min_candidates = min_candidates
        self.candidates = 0
        self.exceeded = False

    def matches(self) -> Iterator[int]:
        clock, deadline = self.clock, self.deadline
        for sub_docnum in self.child.matches():
            self.candidates += 1
            if self.candidates > self.min_candidates and clock() >= deadline:
                self.exceeded = True
                raise TimeBudgetExceeded
            yield sub_docnum

    def collect_matches(self) -> None:
        # WrappingCollector would hand the loop to the child and bypass matches() above.
        collect = self.child.collect
        for sub_docnum in self.matches():
            collect(sub_docnum)

    def results(self) -> Any:
        return self.child.results()
