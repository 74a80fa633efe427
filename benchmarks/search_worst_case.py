"""The most expensive searches a visitor can type, against a plain one-word search.

    PYTHONPATH=. .venv/bin/python benchmarks/search_worst_case.py            # build once, then time
    PYTHONPATH=. .venv/bin/python benchmarks/search_worst_case.py --runs 7 --json /tmp/after.json

Builds (once; later runs reuse them) a SQLite forum seeded with ``forum seed`` (30,000 posts,
seed 7) and its Whoosh index (``forum reindex``'s code), then requests ``/search`` through
Flask's test client as an anonymous visitor: what the visitor gets, page rendering included.
Every query runs ``--runs`` times, interleaved (one round = every query once), so background
load hits all of them alike; the report is the median per query and its ratio to the plain
one-word query. The script only uses the app's public entry points (``create_app``, the
seeder, ``services.rebuild_index``, ``GET /search``), so the same file can time an older
checkout: ``PYTHONPATH=/path/to/checkout .venv/bin/python benchmarks/search_worst_case.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, inspect, select

PLAIN = "product"  # one of the most frequent words of the seeded English posts

# (label, query string parameters). Each is within what the search box accepts as typed:
# at most 200 characters, and the syntax documented on the page.
# The most frequent index terms of the seeded posts (it, fr, en), typed as words.
COMMON = ["pass", "beau", "respons", "import", "haut", "manag", "ver", "part", "recent", "port", "tout",
          "perform"]
PREFIXES = ["co", "ca", "pr", "ma", "de", "mo", "re", "st", "pa", "so", "in", "di"]
THREE = ["con", "pro", "par", "per", "pre", "res", "com", "man", "rec", "imp", "por", "ver"]
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("plain one word", {"q": PLAIN}),
    ("plain two words", {"q": "product recent"}),
    ("6 prefixes OR (the report)", {"q": "co* OR ca* OR pr* OR ma* OR de* OR mo*"}),
    ("12 two-letter prefixes OR", {"q": " OR ".join(p + "*" for p in PREFIXES)}),
    ("12 two-letter prefixes AND", {"q": " ".join(p + "*" for p in PREFIXES)}),
    ("6 prefixes OR, newest first", {"q": "co* OR ca* OR pr* OR ma* OR de* OR mo* order:newest"}),
    ("6 prefixes OR, in:title", {"q": "co* OR ca* OR pr* OR ma* OR de* OR mo* in:title"}),
    ("prefix + 11 excluded prefixes", {"q": "co* " + " ".join("-" + p + "*" for p in PREFIXES[1:])}),
    ("filter only, 12 excluded prefixes", {"q": "is:unsolved " + " ".join("-" + p + "*" for p in PREFIXES)}),
    ("12 common words OR", {"q": " OR ".join(COMMON)}),
    ("phrases of common words", {"q": " ".join(f'"{a} {b}"' for a, b in zip(COMMON[::2], COMMON[1::2], strict=True))}),
    ("fuzzy, regex, range syntax", {"q": "product~2 co~ ca?* pr*e* [a TO z] {a TO zz}"}),
    ("deep page of a broad prefix", {"q": "co*", "page": "1000"}),
    ("deep page of a plain word", {"q": PLAIN, "page": "100000"}),
    ("200 chars of prefixes", {"q": (" OR ".join(p + "*" for p in PREFIXES * 3))[:200]}),
    ("leading wildcard", {"q": "*co"}),
    # Since the fix two-letter prefixes are refused; these are the broadest accepted ones.
    ("6 3-letter prefixes OR", {"q": " OR ".join(p + "*" for p in THREE[:6])}),
    ("12 3-letter prefixes OR", {"q": " OR ".join(p + "*" for p in THREE)}),
    ("12 3-letter prefixes AND", {"q": " ".join(p + "*" for p in THREE)}),
    ("6 3-letter OR, newest first", {"q": " OR ".join(p + "*" for p in THREE[:6]) + " order:newest"}),
    ("6 3-letter OR, in:title", {"q": " OR ".join(p + "*" for p in THREE[:6]) + " in:title"}),
    ("3-letter prefix + 11 excluded", {"q": "con* " + " ".join("-" + p + "*" for p in THREE[1:])}),
    ("filter only, 12 excluded 3-letter", {"q": "is:unsolved " + " ".join("-" + p + "*" for p in THREE)}),
    ("deepest page (50) of a 3-letter prefix", {"q": "con*", "page": "50"}),
    ("200 chars of 3-letter prefixes", {"q": (" OR ".join(p + "*" for p in THREE * 3))[:200]}),
]


def build(app, posts: int) -> None:
    from forum.cli import ensure_default_data, upgrade_schema
    from forum.discussions.models import Post
    from forum.extensions import db
    from forum.search import services
    from forum.seed import seed

    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    with app.app_context():
        if "posts" not in inspect(db.engine).get_table_names():
            upgrade_schema()
        ensure_default_data()
        have = db.session.scalar(select(func.count()).select_from(Post)) or 0
        if have < posts:
            started = time.perf_counter()
            seed(max(50, posts // 50), max(1, posts // 20), posts - have, seed_value=7)
            print(f"seeded {posts - have} posts in {time.perf_counter() - started:.1f} s", flush=True)
        if not (index_dir / "MAIN_WRITELOCK").exists() or services.search_index().doc_count() < posts:
            started = time.perf_counter()
            count = services.rebuild_index()
            print(f"indexed {count} documents in {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--db", default="/tmp/circolo-worst-case.db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=None, help="run only the queries whose label contains this")
    parser.add_argument("--json", default=None, help="also write the medians to this file")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="app config override, e.g. SEARCH_TIME_BUDGET_SECONDS=0.2 (repeatable; "
                             "numbers are parsed as numbers)")
    args = parser.parse_args()

    from forum import create_app

    index_dir = Path(args.db).with_suffix(".index")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SEARCH_BACKEND": "whoosh",
                      "SEARCH_INDEX_DIR": str(index_dir), "SERVER_NAME": "bench.local",
                      "RATELIMIT_ENABLED": False, **dict(_config_value(item) for item in args.config)})
    build(app, args.posts)
    if args.build_only:
        return
    queries = [(label, params) for label, params in QUERIES
               if args.only is None or args.only in label or label == "plain one word"]
    client = app.test_client()
    timings: dict[str, list[float]] = {label: [] for label, _ in queries}
    outcome: dict[str, str] = {}
    for round_no in range(args.runs + 1):  # round 0 warms caches up and is not counted
        for label, params in queries:
            t0 = time.perf_counter()
            response = client.get("/search", query_string=params)
            elapsed = (time.perf_counter() - t0) * 1000
            if round_no:
                timings[label].append(elapsed)
            html = response.get_data(as_text=True)
            outcome[label] = _outcome(response.status_code, html)
    plain = statistics.median(timings["plain one word"])
    rows = []
    print(f"\n{'query':40} {'median ms':>10} {'max ms':>9} {'x plain':>8}  outcome")
    for label, params in queries:
        median = statistics.median(timings[label])
        rows.append({"label": label, "params": params, "median_ms": round(median, 1),
                     "max_ms": round(max(timings[label]), 1), "ratio": round(median / plain, 1),
                     "outcome": outcome[label]})
        print(f"{label:40} {median:10.1f} {max(timings[label]):9.1f} {median / plain:8.1f}  {outcome[label]}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def _config_value(item: str) -> tuple[str, object]:
    key, _, raw = item.partition("=")
    for kind in (int, float):
        try:
            return key, kind(raw)
        except ValueError:
            pass
    return key, raw


def _outcome(status: int, html: str) -> str:
    import re

    total = re.search(r'<p class="muted">([\d,]+) results?</p>', html)
    shown = f"{total.group(1)} results" if total else "no results list"
    notes = []
    if "too broad" in html:
        notes.append("too broad")
    error = re.search(r'<p class="form-errors" role="alert">(.*?)</p>', html)
    if error:
        notes.append(f"refused: {error.group(1)[:50]}")
    return f"{status} {shown}" + (f" ({'; '.join(notes)})" if notes else "")


if __name__ == "__main__":
    sys.exit(main())
