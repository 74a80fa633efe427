"""The language a text is written in: the one owner of detecting it.

A post's language is its text's, not its author's interface language: it decides the search
stems a post is indexed with and which language-scoped watched words apply to it. This module
is pure (no Flask, no database): callers pass the community's languages and the fallback.

Policy
------

* **Detector**: `lingua <https://github.com/pemistahl/lingua-py>`_ (``lingua-language-detector``,
  a maintained n-gram detector), restricted to the community's languages (a text can only be
  one of those), in *low accuracy mode* with the models preloaded: ~10 MiB of models per
  process instead of ~100 MiB, built once per process and language set (~15 ms), ~25 µs for
  a typical post. Low accuracy mode is as accurate as the full one above ~40 letters and a
  little less below; the thresholds below make short texts fall back instead of guessing
  (measured: ``benchmarks/language_detection.py``).
* **What is read**: the author's own prose, from :func:`forum.markup.prose_text`: code blocks
  and spans, quotes of other posts (``[quote]`` and ``>``), URLs, mentions and images are left
  out (a French reply quoting an English post is French), then at most
  :data:`MAX_DETECT_CHARS` characters (the opening of a long post decides; the cost stays
  bounded). A topic reads its title and its opening post together.
* **Fallback** (the author's language, given by the caller): fewer than :data:`MIN_LETTERS`
  letters ("ok", "grazie!", "+1"); or the detector's confidence in its best language below
  :data:`CONFIDENCE` (:data:`SHORT_CONFIDENCE` for texts under :data:`SHORT_LETTERS`
  letters); or a community language lingua does not know.
* **The author has the last word**: the posting services record a language the author chose
  (``posts.language_chosen``) and never detect over it; this module only detects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from forum import markup

__all__ = [
    "AUTO_LANGUAGE",
    "CONFIDENCE",
    "MAX_DETECT_CHARS",
    "MIN_LETTERS",
    "SHORT_CONFIDENCE",
    "SHORT_LETTERS",
    "Detection",
    "detect_language",
    "detect_post_language",
    "detector_for",
]

# What a language select sends for "detect it from my text" (the author makes no choice).
AUTO_LANGUAGE = "auto"

MAX_DETECT_CHARS = 2000
MIN_LETTERS = 20
SHORT_LETTERS = 60
SHORT_CONFIDENCE = 0.9
CONFIDENCE = 0.7


@dataclass(frozen=True)
class Detection:
    """The language to store, and whether the text decided it (False: the fallback was used)."""

    language: str
    detected: bool
    confidence: float = 0.0


def _lingua_language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError:
        return None


@cache
def detector_for(languages: tuple[str, ...]) -> tuple[LanguageDetector, dict[Language, str]] | None:
    """The detector for these language codes, built once per process (None: fewer than two
    of them are known to lingua, so there is nothing to choose between)."""
    known = {lang: code for code in dict.fromkeys(languages) if (lang := _lingua_language(code)) is not None}
    if len(known) < 2:
        return None
    detector = (LanguageDetectorBuilder.from_languages(*known)
                .with_low_accuracy_mode().with_preloaded_language_models().build())
    return detector, known


def detect_language(text: str, *, fallback: str, languages: Iterable[str]) -> Detection:
    """The language of plain ``text`` among ``languages``, else ``fallback`` (see the policy)."""
    text = text[:MAX_DETECT_CHARS]
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_LETTERS:
        return Detection(fallback, False)
    built = detector_for(tuple(languages))
    if built is None:
        return Detection(fallback, False)
    detector, codes = built
    values = detector.compute_language_confidence_values(text)
    if not values:
        return Detection(fallback, False)
    best = values[0]
    needed = SHORT_CONFIDENCE if letters < SHORT_LETTERS else CONFIDENCE
    if best.value < needed:
        return Detection(fallback, False, best.value)
    return Detection(codes[best.language], True, best.value)


def detect_post_language(raw: str, *, title: str | None = None, fallback: str,
                         languages: Iterable[str]) -> Detection:
    """The language of a post's Markdown ``raw`` (and its topic's ``title`` for an opening post)."""
    prose = markup.prose_text(raw)
    if title:
        prose = f"{title}\n{prose}"
    return detect_language(prose, fallback=fallback, languages=languages)
