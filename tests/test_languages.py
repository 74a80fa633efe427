"""The language detector (forum.languages) and the prose it reads (forum.markup.prose_text).

Pure unit tests: no app, no database.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from forum import languages
from forum.languages import Detection, detect_language, detect_post_language
from forum.markup import prose_text

COMMUNITY = ("en", "it", "fr")

ITALIAN = "Le riparazioni dei prodotti richiedono tempo: ho mandato la macchina in assistenza la settimana scorsa."
FRENCH = "Bonjour, ma machine à café ne chauffe plus depuis hier soir. Quelqu'un sait ce que je peux faire ?"
ENGLISH = "My coffee machine stopped heating yesterday evening. Does anyone know what I should check first?"


@pytest.mark.parametrize(("text", "expected"), [(ITALIAN, "it"), (FRENCH, "fr"), (ENGLISH, "en")])
@pytest.mark.parametrize("fallback", COMMUNITY)
def test_the_text_decides_whatever_the_authors_language(text, expected, fallback):
    result = detect_language(text, fallback=fallback, languages=COMMUNITY)
    assert result.language == expected
    assert result.detected and result.confidence >= languages.CONFIDENCE


@pytest.mark.parametrize("text", ["ok", "Grazie!", "merci :)", "+1", "👍👍👍", "12345 67890 12345 67890", ""])
def test_very_short_texts_keep_the_authors_language(text):
    for fallback in COMMUNITY:
        assert detect_language(text, fallback=fallback, languages=COMMUNITY) == Detection(fallback, False)


class _FakeDetector:
    """Answers fixed confidence values, to pin the thresholds down (lingua is rarely unsure)."""

    def __init__(self, values: dict[str, float]) -> None:
        self.values = values

    def compute_language_confidence_values(self, text: str) -> list[Any]:
        ranked = sorted(self.values.items(), key=lambda item: -item[1])
        return [SimpleNamespace(language=code, value=value) for code, value in ranked]


@pytest.mark.parametrize(("letters", "best", "detected"), [
    (70, 0.69, False), (70, 0.71, True),  # a long enough text needs CONFIDENCE
    (40, 0.89, False), (40, 0.91, True),  # a short one SHORT_CONFIDENCE
    (19, 1.0, False),  # too few letters: not even asked
])
def test_an_unsure_detector_keeps_the_authors_language(monkeypatch, letters, best, detected):
    fake = _FakeDetector({"it": best, "en": (1 - best) / 2, "fr": (1 - best) / 2})
    monkeypatch.setattr(languages, "detector_for", lambda codes: (fake, {"it": "it", "en": "en", "fr": "fr"}))
    result = detect_language("a" * letters, fallback="fr", languages=COMMUNITY)
    assert result.language == ("it" if detected else "fr")
    assert result.detected is detected


def test_only_the_communitys_languages_are_candidates():
    spanish = "Mi cafetera dejó de calentar ayer por la noche. ¿Alguien sabe qué debo revisar primero?"
    assert detect_language(spanish, fallback="en", languages=COMMUNITY).language in COMMUNITY
    # A community of one known language has nothing to choose between.
    assert detect_language(ITALIAN, fallback="en", languages=("en",)) == Detection("en", False)
    # A code lingua does not know is ignored, not an error.
    assert detect_language(ITALIAN, fallback="en", languages=("en", "it", "xx")).language == "it"


def test_the_detector_is_built_once_per_language_set():
    first = languages.detector_for(COMMUNITY)
    assert first is not None
    assert languages.detector_for(COMMUNITY) is first


def test_code_blocks_quotes_urls_and_mentions_are_not_read():
    english_code = "\n".join(["```python", "def heat_the_boiler(temperature):",
                              "    # the water is heated until the thermostat says it is ready",
                              "    return wait_until_ready(temperature)", "```"])
    raw = (f"{english_code}\n\n"
           "    while the pump is running, keep the pressure below nine bar\n\n"
           '[quote="bob, post:1, topic:2"]\n'
           "The boiler never reaches the right temperature, what should I do?\n[/quote]\n\n"
           "> I had the same problem with my machine last winter and nobody could help me.\n\n"
           "@someone_english see https://example.com/how-to-fix-the-boiler-heating-problem\n\n"
           "Ho risolto cambiando il termostato: adesso la caldaia scalda di nuovo.")
    prose = prose_text(raw)
    assert "heat_the_boiler" not in prose and "pressure" not in prose and "boiler never" not in prose
    assert "last winter" not in prose and "example.com" not in prose and "someone_english" not in prose
    assert "Ho risolto cambiando il termostato" in prose
    # Read whole, the English would win; without code, quotes and URLs the Italian decides.
    assert detect_language(raw, fallback="en", languages=COMMUNITY).language == "en"
    assert detect_post_language(raw, fallback="en", languages=COMMUNITY).language == "it"


def test_a_post_made_only_of_code_and_quotes_keeps_the_authors_language():
    raw = ("```\nfor (int i = 0; i < 10; i++) { printf(\"hello world, this is a long line\"); }\n```\n\n"
           '[quote="bob, post:1, topic:2"]\nThis quoted text is long enough to be detected as English.\n[/quote]')
    assert detect_post_language(raw, fallback="it", languages=COMMUNITY) == Detection("it", False)


def test_a_topic_reads_its_title_with_its_opening_post():
    # The body alone is too short to tell; with the title it is clearly French.
    body = "Merci d'avance !"
    assert not detect_post_language(body, fallback="en", languages=COMMUNITY).detected
    result = detect_post_language(body, title="Ma machine ne chauffe plus depuis la mise à jour",
                                  fallback="en", languages=COMMUNITY)
    assert result.language == "fr" and result.detected


def test_only_the_opening_of_a_long_text_is_read():
    text = ITALIAN + " " + ENGLISH * 100  # the English starts well within the first characters
    assert len(text) > languages.MAX_DETECT_CHARS
    cut = text[: languages.MAX_DETECT_CHARS]
    assert detect_language(text, fallback="fr", languages=COMMUNITY) == detect_language(
        cut, fallback="fr", languages=COMMUNITY)
    italian_first = ITALIAN * 40 + ENGLISH * 200
    assert detect_language(italian_first, fallback="en", languages=COMMUNITY).language == "it"
