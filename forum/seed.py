"""Bulk seeding: a large, deterministic, multilingual community for benchmarks and development.

``flask --app wsgi forum seed --users N --topics N --posts N [--seed S] [--locale en|it|fr]``

* Deterministic: one ``random.Random(seed)`` and Faker instances seeded from it drive every
  choice, and time is anchored at :data:`TIMELINE_END`, so the same arguments on the same
  starting database give the same rows. Only secrets differ between runs (password hashes and
  session tokens are random: seeded accounts cannot log in; use ``create-user``).
* Fast: Markdown is cooked once for a pool of a few thousand distinct blocks (real output of
  :func:`forum.markup.cook`); a post is a few blocks joined by blank lines, and its HTML is
  the concatenation of their HTML, which is what cooking the whole post gives for blocks
  separated by blank lines (checked by tests/test_cli_seed.py on samples). Rows go in with
  SQLAlchemy Core ``executemany`` in large batches, a few transactions, explicit ids.
* Counters are not maintained row by row: the counters' owner repairs every denormalised
  value of the new rows with set-based UPDATEs at the end
  (:func:`forum.discussions.integrity.repair`, the same code as ``forum check --repair``).
* No plugin hooks fire and the search index is not updated: run ``forum reindex`` afterwards.
"""

from __future__ import annotations

import bisect
import contextlib
import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import Connection, func, insert, select, text
from werkzeug.security import generate_password_hash

from forum import markup
from forum.accounts.models import CodeOfConductAcceptance, User
from forum.accounts.services import RESERVED_USERNAMES, canonical_email, canonical_username
from forum.discussions import integrity
from forum.discussions.models import Category, Post, PostState, Topic
from forum.extensions import db
from forum.text import slugify

LOCALES = {"it": "it_IT", "fr": "fr_FR", "en": "en_US"}
EMAIL_TLD = {"it": "it", "fr": "fr", "en": "com"}
TIMELINE_END = datetime(2025, 6, 1, tzinfo=UTC)  # fixed, so two runs give the same timestamps
TIMELINE_DAYS = 730
POST_BATCH = 20_000  # rows per executemany
COMMIT_EVERY = 250_000  # posts per transaction

# Categories added when only the defaults exist: (slug, name, description, read_access, weight).
EXTRA_CATEGORIES = [
    ("products", "Products", "Everything about our products, old and new.", "everyone", 3.0),
    ("ideas", "Ideas & feedback", "Tell us what to build or improve next.", "everyone", 2.0),
    ("tips", "Tips & tricks", "Share what you have learned.", "everyone", 2.0),
    ("off-topic", "Off-topic", "Anything else, kindly.", "everyone", 1.5),
    ("lounge", "Members lounge", "For registered members only.", "members", 0.5),
]

CODE_SNIPPETS = [
    ("python", "import json\n\nwith open(\"settings.json\") as f:\n    print(json.load(f)[\"grind\"])"),
    ("bash", "sudo systemctl restart brewd\njournalctl -u brewd --since today | tail -n 20"),
    ("json", "{\n  \"grind\": 14,\n  \"dose_g\": 18.5,\n  \"ratio\": \"1:2\"\n}"),
    ("yaml", "machine:\n  model: pro-3\n  firmware: 2.4.1\n  eco_mode: true"),
    ("sql", "SELECT model, count(*)\nFROM repairs\nGROUP BY model\nORDER BY 2 DESC;"),
    ("", "Error 0x1F: pressure sensor timeout\nRetrying in 5 s..."),
    ("javascript", "fetch(\"/api/status\")\n  .then((r) => r.json())\n  .then((s) => console.log(s.temp));"),
    ("ini", "[brew]\ntemperature = 93\npreinfusion = 4"),
]
LINK_HOSTS = ["https://example.com/guide", "https://docs.example.org/faq", "https://www.example.net/blog"]


# --------------------------------------------------------------------------------------------
# Text: a pool of cooked blocks per language
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    kind: str  # "p" paragraph, "list", "code", "bq" blockquote
    raw: str
    html: str


@dataclass
class TextPool:
    blocks: dict[str, dict[str, list[Block]]] = field(default_factory=dict)  # lang -> kind -> blocks
    titles: dict[str, list[str]] = field(default_factory=dict)
    quote_template: str = ""

    def quote_html(self, username: str, topic_id: int, post_number: int, inner: Block) -> str:
        """HTML of ``[quote="username, post:N, topic:T"]`` around a paragraph block: the real
        output of cook() for a sentinel quote, with the sentinels substituted."""
        return (self.quote_template.replace("qqsentinelqq", username)
                .replace("987650001", str(topic_id)).replace("987650002", str(post_number))
                .replace("<p>QQBODYQQ</p>\n", inner.html))


_QUOTE_SENTINEL = '[quote="qqsentinelqq, post:987650002, topic:987650001"]\nQQBODYQQ\n[/quote]'


def _resolver(usernames: dict[str, str]) -> Callable[[Any], dict[str, str]]:
    """cook()'s mention resolver over the seeded names (no database), same rule as accounts."""
    def resolve(names: Any) -> dict[str, str]:
        return {n: usernames[canonical_username(n)] for n in names if canonical_username(n) in usernames}

    return resolve


def _sentence(fake: Faker, rng: random.Random, words: tuple[int, int] = (5, 12)) -> str:
    return str(fake.sentence(nb_words=rng.randint(*words)))


def _decorate(fake: Faker, rng: random.Random, sentence: str, mentionable: list[str]) -> str:
    """Sprinkle inline Markdown into a sentence: bold, italics, code, a link or a mention."""
    words = sentence.split(" ")
    if len(words) < 4:
        return sentence
    roll = rng.random()
    i = rng.randrange(1, len(words) - 1)
    word = words[i].strip(".,;:!?")
    if not word:
        return sentence
    if roll < 0.25:
        words[i] = words[i].replace(word, f"**{word}**")
    elif roll < 0.45:
        words[i] = words[i].replace(word, f"*{word}*")
    elif roll < 0.6:
        words[i] = words[i].replace(word, f"`{word.lower()}`")
    elif roll < 0.75:
        words[i] = words[i].replace(word, f"[{word}]({rng.choice(LINK_HOSTS)}/{slugify(word, 20)})")
    elif roll < 0.85:
        words.insert(i, rng.choice(LINK_HOSTS))
    elif mentionable:
        words.insert(i, "@" + rng.choice(mentionable))
    return " ".join(words)


def build_pool(rng: random.Random, fakers: dict[str, Faker], usernames: dict[str, str],
               paragraphs_per_language: int = 600) -> TextPool:
    """Cook a few thousand distinct blocks once; posts are composed from them."""
    resolve = _resolver(usernames)
    mentionable = sorted(usernames.values())[:500]

    def cooked(kind: str, raw: str) -> Block:
        return Block(kind, raw, markup.cook(raw, resolve_users=resolve).html)

    pool = TextPool()
    for lang, fake in fakers.items():
        kinds: dict[str, list[Block]] = {"p": [], "list": [], "code": [], "bq": []}
        for _ in range(paragraphs_per_language):
            sentences = [_sentence(fake, rng) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))]
            if rng.random() < 0.45:
                j = rng.randrange(len(sentences))
                sentences[j] = _decorate(fake, rng, sentences[j], mentionable)
            kinds["p"].append(cooked("p", " ".join(sentences)))
        for _ in range(paragraphs_per_language // 8):
            items = [_sentence(fake, rng, (2, 7)).rstrip(".") for _ in range(rng.randint(2, 5))]
            if rng.random() < 0.5:
                items[0] = _decorate(fake, rng, items[0], mentionable)
            ordered = rng.random() < 0.4
            raw = "\n".join(f"{n}. {item}" if ordered else f"- {item}" for n, item in enumerate(items, 1))
            kinds["list"].append(cooked("list", raw))
        for _ in range(paragraphs_per_language // 15):
            kinds["bq"].append(cooked("bq", "> " + _sentence(fake, rng)))
        for language, snippet in CODE_SNIPPETS:
            kinds["code"].append(cooked("code", f"```{language}\n{snippet}\n```"))
        pool.blocks[lang] = kinds
        titles = []
        for _ in range(400):
            title = _sentence(fake, rng, (3, 8)).rstrip(".")
            titles.append(title + "?" if rng.random() < 0.3 else title)
        pool.titles[lang] = titles
    pool.quote_template = markup.cook(_QUOTE_SENTINEL).html
    return pool


def compose(rng: random.Random, pool: TextPool, lang: str) -> list[Block]:
    """A post's blocks: a paragraph first, then a few more, never two lists in a row (two
    adjacent lists of one kind would merge into one when the whole post is cooked)."""
    kinds = pool.blocks[lang]
    blocks = [rng.choice(kinds["p"])]
    extra = rng.choices((0, 1, 2, 3), weights=(50, 30, 15, 5))[0]
    for _ in range(extra):
        roll = rng.random()
        kind = "p" if roll < 0.75 else "list" if roll < 0.87 else "bq" if roll < 0.95 else "code"
        if kind == "list" and blocks[-1].kind == "list":
            kind = "p"
        blocks.append(rng.choice(kinds[kind]))
    return blocks


def join_raw(blocks: list[Block]) -> str:
    return "\n\n".join(b.raw for b in blocks)


def join_html(blocks: list[Block]) -> str:
    return "".join(b.html for b in blocks)


# --------------------------------------------------------------------------------------------
# The seeder
# --------------------------------------------------------------------------------------------

class _NoBar:
    def update(self, n: int) -> None:
        pass


@contextlib.contextmanager
def _no_progress(label: str, length: int) -> Iterator[Any]:
    yield _NoBar()


ProgressFactory = Callable[[str, int], contextlib.AbstractContextManager[Any]]


@dataclass
class SeedReport:
    users: int
    topics: int
    posts: int
    categories_created: int
    seconds: dict[str, float] = field(default_factory=dict)


def _next_id(conn: Connection, model: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()) + 1


def _username(fake: Faker, taken: set[str], rng: random.Random) -> tuple[str, str, str]:
    """(username, canonical, display name): ASCII, 3-20 chars, unique after canonical folding."""
    first, last = fake.first_name(), fake.last_name()
    base = slugify(f"{first} {last}", 40).replace("-", rng.choice((".", "_", "")))[:16].strip("._") or "member"
    name = base
    while canonical_username(name) in taken or canonical_username(name) in RESERVED_USERNAMES or len(name) < 3:
        name = f"{base}{rng.randint(2, 9999)}"
    canon = canonical_username(name)
    taken.add(canon)
    return name, canon, f"{first} {last}"[:64]


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 2)


@contextlib.contextmanager
def _bulk_connection() -> Iterator[Connection]:
    """One connection for the whole seed; on SQLite, durability is relaxed only meanwhile."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB page cache
            conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        try:
            yield conn
        finally:
            if sqlite:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                conn.exec_driver_sql("PRAGMA cache_size=-2000")
                conn.exec_driver_sql("PRAGMA temp_store=DEFAULT")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def seed(users: int, topics: int, posts: int, *, seed_value: int = 1, locale: str | None = None,
         progress: ProgressFactory = _no_progress) -> SeedReport:
    """Insert ``users`` members, ``topics`` topics and ``posts`` posts (opening posts included).

    ``locale`` ("en", "it", "fr") writes the whole community in one language; by default
    members (and so their posts) are spread evenly over the three.
    """
    if users < 1 or topics < 1 or posts < topics:
        raise ValueError("need at least one user and one topic, and at least as many posts as topics")
    if locale is not None and locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}")
    rng = random.Random(seed_value)
    langs = [locale] if locale else list(LOCALES)
    fakers = {}
    for n, lang in enumerate(langs):
        fake = Faker(LOCALES[lang])
        fake.seed_instance(seed_value * 1000 + n)
        fakers[lang] = fake
    timer = _Timer()
    end = TIMELINE_END
    start = end - timedelta(days=TIMELINE_DAYS)

    with _bulk_connection() as conn:
        with timer.phase("categories"):
            categories, created = _ensure_categories(conn)
        with timer.phase("users"):
            user_rows = _insert_users(conn, rng, fakers, langs, users, start, end, progress)
        usernames = {r["username_canonical"]: r["username"] for r in user_rows}
        with timer.phase("text pool"):
            # A few thousand blocks for big seeds; small ones (tests) need far fewer.
            pool = build_pool(rng, fakers, usernames, paragraphs_per_language=max(40, min(600, posts // 25)))
        with timer.phase("topics"):
            topic_rows = _insert_topics(conn, rng, pool, categories, user_rows, topics, start, end, progress)
        with timer.phase("posts"):
            _insert_posts(conn, rng, pool, topic_rows, user_rows, posts - topics, end, progress)
        with timer.phase("counters"):
            integrity.repair(conn, first_topic_id=topic_rows[0]["id"], first_user_id=user_rows[0]["id"])
            conn.commit()
    return SeedReport(users=users, topics=topics, posts=posts, categories_created=created,
                      seconds=timer.seconds)


def _ensure_categories(conn: Connection) -> tuple[list[dict[str, Any]], int]:
    """Categories to seed into, with weights; adds a few when only the defaults exist."""
    existing = conn.execute(select(Category.id, Category.slug, Category.topic_access, Category.position)
                            .order_by(Category.position, Category.id)).all()
    created = 0
    if len(existing) <= 3:
        taken = {row.slug for row in existing}
        position = max((row.position for row in existing), default=0)
        next_id = _next_id(conn, Category)
        rows = []
        for slug, name, description, read_access, _weight in EXTRA_CATEGORIES:
            if slug in taken:
                continue
            position += 1
            rows.append({"id": next_id, "slug": slug, "name": name, "description": description,
                         "position": position, "read_access": read_access, "topic_access": "members",
                         "topic_count": 0, "post_count": 0})
            next_id += 1
        if rows:
            conn.execute(insert(Category), rows)
            created = len(rows)
        _fix_sequence(conn, Category)
        conn.commit()
        existing = conn.execute(select(Category.id, Category.slug, Category.topic_access, Category.position)
                                .order_by(Category.position, Category.id)).all()
    weights = {slug: w for slug, _n, _d, _r, w in EXTRA_CATEGORIES}
    weights.update({"general": 3.0, "support": 4.0})
    return [{"id": row.id, "slug": row.slug, "staff_only": row.topic_access == "staff",
             "weight": 0.2 if row.topic_access == "staff" else weights.get(row.slug, 1.5)}
            for row in existing], created


def _insert_users(conn: Connection, rng: random.Random, fakers: dict[str, Faker], langs: list[str],
                  count: int, start: datetime, end: datetime, progress: ProgressFactory) -> list[dict[str, Any]]:
    taken = {c for (c,) in conn.execute(select(User.username_canonical))}
    first_id = _next_id(conn, User)
    # Random on purpose (not from the seed): seeded accounts must not share a known password.
    password = generate_password_hash(secrets.token_urlsafe(24))
    coc = conn.execute(text("SELECT max(version) FROM codes_of_conduct")).scalar() or 0
    # Joined over the timeline; ids follow join order, so the earliest members have low ids.
    joined = sorted(start - timedelta(days=180) + timedelta(seconds=rng.uniform(0, (TIMELINE_DAYS + 170) * 86400))
                    for _ in range(count))
    rows: list[dict[str, Any]] = []
    with progress("Users", count) as bar:
        for i in range(count):
            lang = langs[i % len(langs)] if len(langs) > 1 else langs[0]
            username, canon, display = _username(fakers[lang], taken, rng)
            email = f"{username}@example.{EMAIL_TLD[lang]}"
            at = joined[i].replace(microsecond=0)
            rows.append({
                "id": first_id + i, "username": username, "username_canonical": canon, "email": email,
                "email_canonical": canonical_email(email), "password_hash": password, "display_name": display,
                "role": "member", "created_at": at, "email_verified_at": at, "approved_at": at, "locale": lang,
                "bio": "", "bio_html": "", "session_token": secrets.token_urlsafe(16),
                "accepted_coc_version": coc, "topic_count": 0, "post_count": 0,
                # The earliest member and about one in 150 speak for the brand (Announcements).
                "is_staff_member": i == 0 or rng.random() < 1 / 150,
            })
        for chunk in _chunks(rows, POST_BATCH):
            conn.execute(insert(User), chunk)
            if coc:
                conn.execute(insert(CodeOfConductAcceptance),
                             [{"user_id": r["id"], "coc_version": coc, "accepted_at": r["created_at"]}
                              for r in chunk])
            bar.update(len(chunk))
    _fix_sequence(conn, User)
    _fix_sequence(conn, CodeOfConductAcceptance)
    conn.commit()
    return rows


def _pick_author(rng: random.Random, joined: list[datetime], at: datetime) -> int:
    """Index of a member who had joined by ``at``; long-time members post more."""
    k = max(1, bisect.bisect_right(joined, at))
    return int(k * rng.random() ** 1.6)


def _insert_topics(conn: Connection, rng: random.Random, pool: TextPool, categories: list[dict[str, Any]],
                   users: list[dict[str, Any]], count: int, start: datetime, end: datetime,
                   progress: ProgressFactory) -> list[dict[str, Any]]:
    first_id = _next_id(conn, Topic)
    joined = [u["created_at"] for u in users]
    staff = [i for i, u in enumerate(users) if u["is_staff_member"]]
    cum = []
    total = 0.0
    for c in categories:
        total += c["weight"]
        cum.append(total)
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.uniform(0, span * 0.995)) for _ in range(count))
    rows: list[dict[str, Any]] = []
    with progress("Topics", count) as bar:
        for i, at in enumerate(times):
            category = categories[bisect.bisect_left(cum, rng.random() * total)]
            if category["staff_only"]:
                eligible = [s for s in staff if users[s]["created_at"] <= at] or staff[:1]
                author = users[rng.choice(eligible)]
            else:
                author = users[_pick_author(rng, joined, at)]
            title = rng.choice(pool.titles[author["locale"]])
            if rng.random() < 0.5:  # titles repeat across a big forum; vary them a little
                title = f"{title} ({rng.randint(2, 999)})"
            title = title[:200]
            rows.append({
                "id": first_id + i, "category_id": category["id"], "user_id": author["id"], "title": title,
                "slug": slugify(title), "created_at": at, "last_posted_at": at, "last_post_user_id": author["id"],
                "post_count": 0, "highest_post_number": 0, "state": PostState.PUBLISHED.value,
                "is_pinned": rng.random() < 0.002, "pinned_until": None, "is_locked": rng.random() < 0.005,
                "language": author["locale"],
            })
        for chunk in _chunks(rows, POST_BATCH):
            conn.execute(insert(Topic), chunk)
            bar.update(len(chunk))
    _fix_sequence(conn, Topic)
    conn.commit()
    return rows


def _reply_counts(rng: random.Random, topics: int, replies: int) -> list[int]:
    """Heavy-tailed: most topics get a few replies, a few get very many."""
    weights = [min(rng.paretovariate(1.3), 400.0) for _ in range(topics)]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    counts = [0] * topics
    for _ in range(replies):
        counts[bisect.bisect_left(cum, rng.random() * total)] += 1
    return counts


def _insert_posts(conn: Connection, rng: random.Random, pool: TextPool, topics: list[dict[str, Any]],
                  users: list[dict[str, Any]], replies: int, end: datetime, progress: ProgressFactory) -> None:
    post_id = _next_id(conn, Post)
    people = _People(users)
    counts = _reply_counts(rng, len(topics), replies)
    batch: list[dict[str, Any]] = []
    since_commit = 0
    with progress("Posts", len(topics) + replies) as bar:
        for topic, n_replies in zip(topics, counts, strict=True):
            thread = _thread(rng, pool, people, topic, n_replies, end, post_id)
            post_id += len(thread)
            batch.extend(thread)
            if len(batch) >= POST_BATCH:
                conn.execute(insert(Post), batch)
                bar.update(len(batch))
                since_commit += len(batch)
                batch = []
                if since_commit >= COMMIT_EVERY:
                    conn.commit()
                    since_commit = 0
        if batch:
            conn.execute(insert(Post), batch)
            bar.update(len(batch))
    _fix_sequence(conn, Post)
    conn.commit()


_PUBLISHED = PostState.PUBLISHED.value


class _People:
    def __init__(self, users: list[dict[str, Any]]) -> None:
        self.rows = users
        self.joined = [u["created_at"] for u in users]
        self.by_id = {u["id"]: u for u in users}


def _thread(rng: random.Random, pool: TextPool, people: _People, topic: dict[str, Any], n_replies: int,
            end: datetime, first_id: int) -> list[dict[str, Any]]:
    """The rows of one topic's posts: the opening post, then replies spread until ``end``."""
    t0: datetime = topic["created_at"]
    gaps = [rng.expovariate(1.0) for _ in range(n_replies)]
    room = (end - t0).total_seconds() * 0.999
    mean_gap = min(6 * 3600.0, room / (n_replies + 1))
    scale = mean_gap if sum(gaps) * mean_gap <= room else room / sum(gaps)
    at = t0
    earlier: list[tuple[int, list[Block]]] = []  # (author id, blocks) of the posts so far
    rows: list[dict[str, Any]] = []
    for number in range(1, n_replies + 2):
        author_id = topic["user_id"]
        if number > 1:
            at = at + timedelta(seconds=gaps[number - 2] * scale)
            if rng.random() >= 0.2:  # otherwise the asker comes back
                author_id = people.rows[_pick_author(rng, people.joined, at)]["id"]
        author = people.by_id[author_id]
        blocks = compose(rng, pool, author["locale"])
        raw, html = join_raw(blocks), join_html(blocks)
        reply_to = None
        if number > 2 and rng.random() < 0.06:
            quoted = rng.randrange(1, number)
            q_author, q_blocks = earlier[quoted - 1]
            if q_blocks[0].kind == "p":
                username = people.by_id[q_author]["username"]
                raw = f'[quote="{username}, post:{quoted}, topic:{topic["id"]}"]\n{q_blocks[0].raw}\n[/quote]\n\n{raw}'
                html = pool.quote_html(username, topic["id"], quoted, q_blocks[0]) + html
                reply_to = quoted
        earlier.append((author_id, blocks))
        rows.append({
            "id": first_id + number - 1, "topic_id": topic["id"], "user_id": author_id, "post_number": number,
            "reply_to_post_number": reply_to, "raw": raw, "cooked": html, "cook_version": markup.COOK_VERSION,
            "language": author["locale"], "created_at": at, "edit_count": 0, "state": _PUBLISHED,
            "is_official": False,
        })
    return rows


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _fix_sequence(conn: Connection, model: Any) -> None:
    """Explicit ids leave PostgreSQL's sequence behind; move it past the highest id."""
    if conn.dialect.name != "postgresql":
        return
    table = model.__tablename__
    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - table names are ours
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")
