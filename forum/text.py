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


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def fold_confusables(text: str) -> str:
    return text.translate(CONFUSABLES)


def skeleton(text: str) -> str:
    """The form two strings share when they look alike: NFKC, no invisibles, casefolded,
    lookalikes mapped to Latin."""
    text = unicodedata.normalize("NFKC", strip_invisible(text)).casefold()
    return fold_confusables(text)


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
