"""Search on a seeded forum, measured through the app's service (permissions included).

    .venv/bin/python benchmarks/search_app_bench.py --posts 100000 [--db /tmp/search-bench.db]

Seeds (once: an existing database is reused), rebuilds the index with `forum reindex`'s code,
then runs 300 two-word queries as a visitor and prints build time, index size, median/p95.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from pathlib import Path

from sqlalchemy import func, inspect, select

from forum import create_app, markup
from forum.accounts.models import AnonymousUser
from forum.cli import ensure_default_data, upgrade_schema
from forum.discussions.models import Post
from forum.extensions import db
from forum.search import services
from forum.seed import seed

WORDS = ["caffè", "moka", "guarnizione", "macinatura", "café", "cafetière", "mouture", "réparation",
         "coffee", "grinder", "pressure", "milk", "acqua", "prodotto", "garanzia", "filtre", "beans",
         "pompe", "vapore", "espresso", "tazza", "goût", "roast", "warranty", "latte", "caldaia"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--db", default="/tmp/circolo-search-bench.db")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-rebuild", action="store_true", help="reuse an existing index")
    args = parser.parse_args()

    index_dir = Path(args.db).with_suffix(".index")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SEARCH_BACKEND": "whoosh",
                      "SEARCH_INDEX_DIR": str(index_dir), "SERVER_NAME": "bench.local"})
    with app.app_context():
        if "posts" not in inspect(db.engine).get_table_names():
            upgrade_schema()
        ensure_default_data()
        have = db.session.scalar(select(func.count()).select_from(Post)) or 0
        if have < args.posts:
            started = time.perf_counter()
            seed(max(50, args.posts // 50), max(1, args.posts // 20), args.posts - have, seed_value=7)
            print(f"seeded {args.posts - have} posts in {time.perf_counter() - started:.1f} s")
        total = db.session.scalar(select(func.count()).select_from(Post))
        if not (args.skip_rebuild and index_dir.is_dir()):
            started = time.perf_counter()
            count = services.rebuild_index()
            build = time.perf_counter() - started
            print(f"posts in database: {total}; indexed {count} documents in {build:.1f} s")
        size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6
        print(f"index size {size:.1f} MB")

        rng = random.Random(1)
        # Two words that occur together in a real post: what a member would type.
        sample = db.session.scalars(select(Post.raw).where(Post.id % 97 == 0).limit(args.queries)).all()
        queries = []
        for raw in sample:
            words = [w for w in re.findall(r"\w{5,}", markup.plain_text(raw)) if not w.isdigit()]
            queries.append(" ".join(rng.sample(words, 2)) if len(words) >= 2 else " ".join(rng.sample(WORDS, 2)))
        visitor = AnonymousUser()
        timings, hits = [], []
        for text in queries:
            with app.test_request_context("/search"):
                t0 = time.perf_counter()
                result = services.search(visitor, services.SearchRequest(text=text))
                timings.append((time.perf_counter() - t0) * 1000)
            hits.append(result.results.total)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{args.queries} two-word queries as a visitor: median {statistics.median(timings):.1f} ms, "
              f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; median hits {statistics.median(hits):.0f}")


if __name__ == "__main__":
    main()
