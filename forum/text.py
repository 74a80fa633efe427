"""Unicode normalisation shared by every domain that compares what people type.

Used for usernames (lookalike names collide) and available to plugins (the word filter).
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters people use to dodge filters and to fake a taken name.
INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u2064\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")

# Cyrillic and Greek letters that render like Latin ones (a hand-checked subset of Unicode's
# confusables.txt covering what attackers actually use in names and insults).
CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "ϲ": "c",
})


# C0 and C1 control characters except tab, newline and carriage return, and lone surrogates:
# nobody types them, PostgreSQL cannot store NUL, and they only ever hide or break text.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_control_chars(text: str) -> str:
    return CONTROL_CHARS.sub("", text)


def has_control_chars(text: str) -> bool:
    return CONTROL_CHARS.search(text) is not None


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def fold_confusables(text: str) -> str:
    return text.translate(CONFUSABLES)


def skeleton(text: str) -> str:
    """The form two strings share when they look alike: NFKC, no invisibles, casefolded,
    lookalikes mapped to Latin."""
    text = unicodedata.normalize("NFKC", strip_invisible(text)).casefold()
    return fold_confusables(text)


# Latin-script lookalikes, applied after casefolding (UTS #39 maps by shape: "0" reads as "o",
# and "1", "I", "l", "i", "|" all read as one vertical stroke). Multi-letter pairs come first.
LOOKALIKE_SEQUENCES = (("rn", "m"), ("vv", "w"))
LOOKALIKES = str.maketrans({
    "0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "ǀ": "l", "ı": "l", "ł": "l", "ɩ": "l",
    "5": "s", "$": "s", "@": "a", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ħ": "h",
    "ŀ": "l", "ŧ": "t", "ð": "d", "þ": "p",
})
# Separators do not make a name different: "demo-admin", "demo_admin", "demo.admin" and
# "demoadmin" read as one name.
SEPARATORS = re.compile(r"[\s._\-·‐‑‒–—―'’]+")


def lookalike_skeleton(text: str) -> str:
    """What a name looks like, for refusing impersonation (UTS #39 style skeleton, compact).

    NFKD, marks stripped ("admín" -> "admin"), invisibles dropped, casefolded, Cyrillic/Greek
    and digit lookalikes mapped ("dem0", "giuIia"), "rn" read as "m", separators ignored.
    Stricter than :func:`skeleton` on purpose: it may join two names a careful reader could
    tell apart (it is only used to refuse a *new* name), never the other way round.
    """
    text = unicodedata.normalize("NFKD", strip_invisible(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = fold_confusables(text.casefold()).translate(LOOKALIKES)
    text = SEPARATORS.sub("", text)
    for pair, single in LOOKALIKE_SEQUENCES:
        text = text.replace(pair, single)
    return text


def scripts_of(text: str) -> set[str]:
    """Scripts of the letters in ``text`` (LATIN, CYRILLIC, GREEK, ...), from Unicode names."""
    found: set[str] = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            found.add(name.split(" ", 1)[0] if name else "UNKNOWN")
    return found


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII slug for URLs; accents folded ("Perché" -> "perche"); never empty."""
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:max_length].rstrip("-") or "topic"


def one_line(text: str | None, limit: int = 2000) -> str:
    """Free text kept on one line (reasons, notes, labels): invisible characters dropped,
    white space folded, cut at ``limit`` characters."""
    return " ".join(strip_invisible(text or "").split())[:limit]


def ascii_int(value: object, digits: int = 18) -> int | None:
    """A whole number written in ASCII digits (at most ``digits`` of them), else None.

    The one parser for ids and numbers that arrive as text (forms, URLs, cookies, doc ids):
    ``str.isdigit()`` also accepts '²' and other digits ``int()`` refuses, which turned such
    values into server errors, and an unbounded length overflows the database's integers."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= digits:
        return int(value)
    return None
