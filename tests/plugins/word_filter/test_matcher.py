"""Tests for the word_filter matching engine (pure Python, no app needed).

The engine is imported as the app imports the plugin, ``forum_plugins.word_filter``
(tests/plugins/conftest.py loads it first), never as ``plugins.word_filter``.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from forum_plugins.word_filter.matcher import (
    CENSOR_CHAR,
    Action,
    Hit,
    InvalidPattern,
    ListParseError,
    Matcher,
    WatchedWord,
    available_starter_lists,
    load_starter_list,
    normalize,
    parse_list,
)
from forum_plugins.word_filter.matcher import folding as matcher_folding

ROOT = Path(__file__).resolve().parents[3]


def ww(pattern: str, action: Action | str = Action.CENSOR, **kw: Any) -> WatchedWord:
    return WatchedWord(pattern, Action(action), **kw)


def texts(m: Matcher, text: str, **kw: Any) -> list[str]:
    """The original substrings hit, in order."""
    hits = m.find(text, **kw)
    for h in hits:
        assert text[h.start:h.end] == h.text
    return [h.text for h in hits]


def matches(pattern: str, text: str, **kw: Any) -> bool:
    return bool(Matcher([ww(pattern, **kw)]).find(text))


# --- case, accents, ß ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["SPAM", "Spam", "sPaM"])
def test_case_insensitive(text: str) -> None:
    assert matches("spam", text)


@pytest.mark.parametrize(("pattern", "text"), [
    ("strasse", "Die Straße ist zu"),
    ("strasse", "DIE STRAẞE IST ZU"),
    ("straße", "die strasse"),
    ("STRAẞE", "die Straße"),
])
def test_casefold_sharp_s(pattern: str, text: str) -> None:
    assert matches(pattern, text)


@pytest.mark.parametrize(("pattern", "text"), [
    ("perche", "Ma perché no?"),
    ("perché", "ma perche no"),
    ("perché", "ma perchè no"),
    ("cazzo", "che cazzò dici"),
    ("cazzo", "che cazzo\u0300 dici"),  # decomposed accent
    ("encule", "espèce d'enculé"),
    ("enculé", "ENCULE"),
])
def test_accents_fold_both_ways(pattern: str, text: str) -> None:
    assert matches(pattern, text)


def test_accent_folding_keeps_original_offsets() -> None:
    m = Matcher([ww("cazzo")])
    text = "che cazzo\u0300!"
    [hit] = m.find(text)
    assert hit.text == "cazzo\u0300"  # the combining mark belongs to the censored letter
    assert m.censor(text, [hit]) == "che " + CENSOR_CHAR * 6 + "!"


# --- whole-word boundaries with Unicode letters -----------------------------------------


@pytest.mark.parametrize("text", [
    "contrôle", "économie", "façon", "Contrôle qualité", "second", "icon", "conçu", "déconné",
])
def test_whole_word_con_does_not_match_inside_words(text: str) -> None:
    assert not matches("con", text)


@pytest.mark.parametrize("text", ["t'es con", "CON!", "«con»", "quel con.", "con😀", "_con_", "(con)"])
def test_whole_word_con_matches_the_word(text: str) -> None:
    assert matches("con", text)


@pytest.mark.parametrize("text", ["député", "réputé", "computer", "disputé", "Députée"])
def test_whole_word_pute_does_not_match_inside_words(text: str) -> None:
    assert not matches("pute", text)


@pytest.mark.parametrize("text", ["calcolo", "ridicolo", "culotte", "riculo"])
def test_whole_word_culo_does_not_match_inside_words(text: str) -> None:
    assert not matches("culo", text)


def test_non_latin_letters_are_word_characters() -> None:
    assert not matches("con", "conж")
    assert not matches("con", "ωcon")
    assert not matches("con", "con中")


def test_merde_whole_word_vs_substring() -> None:
    assert not matches("merde", "il m'a emmerdé")
    assert matches("merde", "il m'a emmerdé", whole_word=False)
    m = Matcher([ww("merde", whole_word=False)])
    assert texts(m, "il m'a emmerdé") == ["merdé"]


def test_substring_entry() -> None:
    assert matches("fuck", "motherfucking", whole_word=False)
    assert not matches("fuck", "motherfucking")


# --- confusables, fullwidth, math alphanumerics -----------------------------------------


@pytest.mark.parametrize("text", [
    "ѕрам",  # Cyrillic dze, er, a + Latin m
    "spаm",  # Cyrillic a
    "spαm",  # Greek alpha
    "ЅРАМ",  # Cyrillic capitals
    "ｓｐａｍ",  # fullwidth
    "𝐬𝐩𝐚𝐦",  # mathematical bold
    "𝓈𝓅𝒶𝓂",  # mathematical script
    "ⓢⓟⓐⓜ",  # circled
    "ꜱᴘᴀᴍ",  # small capitals
    "🅢🅟🅐🅜",  # negative circled
])
def test_confusables_map_to_latin(text: str) -> None:
    m = Matcher([ww("spam")])
    assert texts(m, f"buy {text} now") == [text]


def test_uppercase_lookalikes_use_their_uppercase_shape() -> None:
    assert matches("kill", "КILL")  # Cyrillic Ka
    assert matches("hot", "ΗΟΤ")  # Greek Eta, Omicron, Tau
    assert matches("con", "\u0441\u043en")  # Cyrillic es, o + Latin n
    assert not matches("con", "\u0441\u043e\u043d")  # Russian "сон" reads "coh", not "con"


# --- invisible characters ---------------------------------------------------------------


@pytest.mark.parametrize("noise", ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2063",
                                   "\ufeff", "\u00ad", "\u034f", "\u0336", "\u0489"])
def test_invisible_characters_are_ignored(noise: str) -> None:
    m = Matcher([ww("spam")])
    text = f"this is s{noise}pa{noise}m!"
    [hit] = m.find(text)
    assert hit.text == f"s{noise}pa{noise}m"
    assert m.censor(text, [hit]) == "this is " + CENSOR_CHAR * len(hit.text) + "!"


def test_zalgo_combining_noise() -> None:
    m = Matcher([ww("spam")])
    assert texts(m, "s̷̢p̵̛a̸͜m̶̈́ here") == ["s̷̢p̵̛a̸͜m̶̈́"]


def test_invisibles_at_the_edges_are_not_part_of_the_hit() -> None:
    m = Matcher([ww("spam")])
    assert texts(m, "x \u200bspam\u200b y") == ["spam"]


# --- separators between single letters --------------------------------------------------


@pytest.mark.parametrize("text", ["s.p.a.m", "s p a m", "s-p-a-m", "s_p_a_m", "s*p*a*m", "S.P.A.M.",
                                  "s/p/a/m", "s|p|a|m", "s~p~a~m", "s·p·a·m", "s•p•a•m", "s–p–a–m"])
def test_spaced_out_letters_are_joined(text: str) -> None:
    m = Matcher([ww("spam")])
    hits = m.find(f"hello {text} bye")
    assert [h.text for h in hits] == [text.rstrip(".")]


def test_spaced_out_censor_replaces_exactly_the_original_characters() -> None:
    m = Matcher([ww("spam")])
    text = "no s.p.a.m please"
    assert m.censor(text, m.find(text)) == "no ■■■■■■■ please"


def test_spaced_letters_rule() -> None:
    m = Matcher([ww("ass")])
    assert texts(m, "what an a s s") == ["a s s"]
    assert texts(m, "a.s.s!") == ["a.s.s"]
    # Not spaced-out letters: multi-letter chunks, double separators, "a, b, c" lists.
    for text in ["a ss", "as s", "a  s  s", "a, s, s", "pass a s", "a s", "a s sembly"]:
        assert m.find(text) == [], text
    # A spaced-out longer word is that word, not the watched word inside it.
    assert m.find("a s s e m b l y") == []
    assert matches("assembly", "a s s e m b l y")


def test_a_spaced_word_does_not_swallow_the_next_one_letter_word() -> None:
    assert matches("cazzo", "sei un c.a.z.z.o e basta")
    assert matches("cazzo", "s p a c e c.a.z.z.o")
    assert normalize("c.a.z.z.o s p a m") == "cazzo spam"
    assert normalize("s p a c e c.a.z.z.o") == "space cazzo"
    assert matches("bitch", "b.i.t.c.h é")
    assert matches("merde", "m-e-r-d-e à toi")


def test_only_single_letter_runs_are_joined() -> None:
    assert normalize("s p a m") == "spam"
    assert normalize("sp am") == "sp am"
    assert normalize("ab.cd e") == "ab.cd e"
    assert normalize("a.b.c d e f") == "abc def"
    assert normalize("s.p-a_m") == "s.p-a_m"  # one separator per run
    assert normalize("U.S.A. and e.g. this") == "usa. and e.g. this"


# --- repeated letters -------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "text"), [
    ("spam", "spaaaam"), ("spam", "sssspam"), ("spam", "spammmm"), ("cazzo", "cazzzzzo"),
    ("cazzo", "caaazzooo"), ("ass", "asssss"), ("culo", "cuuuuulo"),
])
def test_repeated_letters_collapse(pattern: str, text: str) -> None:
    m = Matcher([ww(pattern)])
    assert texts(m, f"you {text}!") == [text]


@pytest.mark.parametrize(("pattern", "text"), [
    ("cazzo", "cazo"), ("fica", "ficca"), ("ano", "anno"), ("ass", "as"), ("pala", "palla"),
    ("spam", "spaam"),
])
def test_real_double_letters_are_not_confused(pattern: str, text: str) -> None:
    assert not matches(pattern, text)


def test_repeats_censor_the_whole_run() -> None:
    m = Matcher([ww("spam", whole_word=False)])
    text = "spammmmer"
    assert m.censor(text, m.find(text)) == CENSOR_CHAR * 7 + "er"


# --- leetspeak --------------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "text"), [
    ("spam", "sp4m"), ("spam", "$pam"), ("spam", "5p@m"), ("cazzo", "c4zz0"), ("shit", "sh!t"),
    ("shit", "5h1t"), ("bitch", "b1tch"), ("bitch", "b!tch"), ("ass", "@ss"), ("ass", "a$$"),
    ("test", "7e57"), ("test", "7e$t"), ("leet", "l33t"), ("hello", "h3ll0"),
])
def test_leetspeak(pattern: str, text: str) -> None:
    m = Matcher([ww(pattern)])
    assert texts(m, f"you {text} here") == [text]


def test_leet_in_the_pattern_means_the_letter() -> None:
    assert matches("b1tch", "bitch")
    assert matches("l33t", "LEET")
    assert matches("4chan", "4chan")


@pytest.mark.parametrize("text", ["10", "2024", "1010", "in 2010 we", "10k", "v1.0", "100 lo0"])
def test_leet_does_not_turn_numbers_into_words(text: str) -> None:
    hits = Matcher([ww("lo", Action.FLAG)]).find(text)
    assert all(any(c.isalpha() for c in h.text) for h in hits)
    if text != "100 lo0":
        assert hits == []


def test_leet_word_with_letters_still_matches() -> None:
    assert matches("lo", "l0")
    assert matches("lo", "1o")


def test_exclamation_mark_at_word_end_is_punctuation() -> None:
    assert matches("ciao", "ciao!")
    assert matches("cazzo", "CAZZO!!!")
    assert not matches("cazzi", "cazz!")


def test_leetspeak_can_be_disabled() -> None:
    m = Matcher([ww("spam")], leetspeak=False)
    assert m.find("sp4m $pam") == []
    assert texts(m, "spam") == ["spam"]


# --- phrases and symbols ------------------------------------------------------------------


def test_phrase_matches_across_any_separator_run() -> None:
    m = Matcher([ww("figlio di puttana")])
    for text in ["Figlio di puttana", "figlio  di-puttana", "figlio\ndi puttana", "figlio, di... puttana"]:
        assert texts(m, f"sei un {text}!") == [text]
    assert m.find("figliodiputtana") == []


def test_symbol_only_pattern_matches_literally() -> None:
    m = Matcher([ww("🖕", Action.FLAG)])
    assert texts(m, "ciao🖕🖕") == ["🖕", "🖕"]


# --- regex entries ------------------------------------------------------------------------


def test_regex_entry_runs_on_normalised_text() -> None:
    m = Matcher([ww(r"perch[eé]\s+no", Action.FLAG, is_regex=True, whole_word=False)])
    assert texts(m, "PERCHÉ  no?") == ["PERCHÉ  no"]
    assert matches(r"viagra", "buy v.i.a.g.r.a", is_regex=True)
    assert matches("perché", "perche", is_regex=True)  # non-ASCII literals are folded too


def test_regex_whole_word_flag() -> None:
    assert not matches(r"con+", "contrôle", is_regex=True)
    assert matches(r"con+", "contrôle", is_regex=True, whole_word=False)
    assert matches(r"con+", "t'es connn", is_regex=True)


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    (r"con+", "conn", ["conn"]),
    (r"con+", "«conn»", ["conn"]),
    (r"con+", "x conn! conn, conn", ["conn", "conn", "conn"]),
    (r"con+", "«conn", ["conn"]),
    (r"con+", "conn»", ["conn"]),
    (r"\$\d+", "$100 bonus, win $20!", ["$100", "$20"]),
    (r"\$\d+", "a$100", []),  # preceded by a letter: not a whole word
    (r"\$\d+", "win $20", ["$20"]),
    (r"\d+%", "up 50%", ["50%"]),
    (r"\d+%", "50%", ["50%"]),
    (r"cat|cats", "cats!", ["cats"]),  # the boundary picks the alternative that fits
])
def test_regex_whole_word_spans(pattern: str, text: str, expected: list[str]) -> None:
    m = Matcher([ww(pattern, Action.FLAG, is_regex=True)])
    assert texts(m, text) == expected


@pytest.mark.parametrize(("pattern", "text"), [
    (r"(a+)+$", "a" * 100_000 + "!"),
    (r"(x+x+)+y", "x" * 100_000),
    (r"(.*a){20}", "a" * 100_000),
    (r"(\w+\s?)+$", "word " * 20_000 + "!"),
])
def test_catastrophic_regex_returns_quickly(pattern: str, text: str) -> None:
    for whole_word in (False, True):
        m = Matcher([ww(pattern, Action.FLAG, is_regex=True, whole_word=whole_word)])
        t0 = time.process_time()  # CPU time: stable when the test machine is busy
        m.find(text)
        assert time.process_time() - t0 < 0.5  # a backtracking engine takes hours here


def test_catastrophic_regex_still_matches_correctly() -> None:
    m = Matcher([ww(r"(a+)+$", Action.FLAG, is_regex=True, whole_word=False)])
    assert texts(m, "baaa") == ["aaa"]
    assert texts(m, "baaa!") == []


def test_regex_anchors_see_the_text_edges() -> None:
    assert matches(r"^buy", "Buy now", is_regex=True)
    assert not matches(r"^buy", "now buy", is_regex=True)
    assert matches(r"now$", "Buy NOW", is_regex=True)


@pytest.mark.parametrize(("pattern", "fragment"), [
    (r"(a)\1", "backreferences"),
    (r"foo(?=bar)", "lookahead"),
    (r"(?<!x)foo", "lookbehind"),
    (r"(foo", "unclosed"),
    (r"a{5000}", "too large"),
    (r"a*", "empty"),
    (r"x\Cy", r"\C"),
])
def test_invalid_regex_raises_with_entry_name(pattern: str, fragment: str) -> None:
    word = WatchedWord(pattern, Action.FLAG, is_regex=True, id=42)
    with pytest.raises(InvalidPattern) as info:
        Matcher([ww("fine"), word])
    assert "#42" in str(info.value)
    assert fragment in str(info.value)
    assert info.value.word is word


def test_regex_budget_skips_remaining_regex_entries(caplog: pytest.LogCaptureFixture) -> None:
    words = [ww("spam"), ww("spam", Action.FLAG, is_regex=True)]
    assert len(Matcher(words).find("spam")) == 2
    starved = Matcher(words, regex_timeout=-1.0)
    with caplog.at_level("WARNING"):
        hits = starved.find("spam")
    assert [h.word.is_regex for h in hits] == [False]  # plain entries always run
    assert "budget" in caplog.text


# --- offsets and censoring -----------------------------------------------------------------


def test_hits_map_to_original_offsets_through_every_transformation() -> None:
    m = Matcher([ww("spam"), ww("strasse", Action.FLAG)])
    text = "Ｓ.ｐ.ａ.ｍ and die Stra\u200bße and ﬁne s\u0336p\u0336aaam"
    hits = m.find(text)
    assert [h.text for h in hits] == ["Ｓ.ｐ.ａ.ｍ", "Stra\u200bße", "s\u0336p\u0336aaam"]
    assert m.censor(text, hits) == (
        "■■■■■■■ and die Stra\u200bße and ﬁne " + CENSOR_CHAR * len("s\u0336p\u0336aaam"))


def test_hangul_and_cjk_keep_offsets() -> None:
    m = Matcher([ww("spam")])
    text = "한국어 텍스트 é 中文 spam 한국"
    [hit] = m.find(text)
    assert (hit.start, hit.text) == (text.index("spam"), "spam")
    assert matches("한국어", "안녕 한국어!")


def test_offsets_after_expanding_characters() -> None:
    m = Matcher([ww("spam")])
    text = "ß ﬁ ½ ǆ spam ẞ"
    [hit] = m.find(text)
    assert (hit.start, hit.end, hit.text) == (8, 12, "spam")


def test_random_evasions_always_report_exact_original_slices() -> None:
    rng = random.Random(7)
    words = ["spam", "cazzo", "merde", "culo", "bitch"]
    m = Matcher([ww(w) for w in words])
    tricks: list[Callable[[str], str]] = [
        ".".join, str.upper, "\u200b".join,
        lambda w: w.replace("a", "а").replace("o", "о"), lambda w: w[0] + w[1] * 4 + w[2:],
        lambda w: "".join(chr(0xFF00 + ord(c) - 0x20) for c in w), lambda w: w + "\u0301",
    ]
    for _ in range(200):
        word = rng.choice(words)
        evasion = rng.choice(tricks)(word)
        prefix = rng.choice(["", "Straße ", "ﬁ ", "e\u0301 ", "😀 ", "s p a c e ", "«"])
        suffix = rng.choice(["", " ß", "!", " 😀", "»", " e\u0301"])
        text = f"{prefix}{evasion}{suffix}"
        hits = m.find(text)
        assert [h.word.pattern for h in hits] == [word], text
        assert text[hits[0].start:hits[0].end] == hits[0].text
        assert hits[0].text.startswith(evasion[0]), text


def test_every_occurrence_is_reported() -> None:
    m = Matcher([ww("con")])
    assert texts(m, "con con, CON") == ["con", "con", "CON"]
    m = Matcher([ww("spam", whole_word=False)])
    assert texts(m, "spamspam") == ["spam", "spam"]


def test_overlapping_entries_are_all_reported() -> None:
    m = Matcher([ww("spam", whole_word=False), ww("spammer", Action.REPLACE, replacement="seller"),
                 ww("ammer", Action.FLAG, whole_word=False)])
    hits = m.find("spammer")
    assert sorted((h.word.pattern, h.start, h.end) for h in hits) == [
        ("ammer", 2, 7), ("spam", 0, 4), ("spammer", 0, 7)]


def test_censor_actions() -> None:
    m = Matcher([
        ww("spam"), ww("idiot", Action.REPLACE, replacement="friend"),
        ww("kill", Action.BLOCK, message="no"), ww("buy", Action.REQUIRE_APPROVAL), ww("meh", Action.FLAG),
    ])
    text = "Spam! you idiot, kill, buy, meh"
    assert m.censor(text, m.find(text)) == "■■■■! you friend, kill, buy, meh"


def test_censor_overlaps() -> None:
    m = Matcher([ww("spam", whole_word=False), ww("spammer", Action.REPLACE, replacement="seller")])
    assert m.censor("spammer", m.find("spammer")) == "seller"  # replacement wins over masking
    m = Matcher([ww("spamm", whole_word=False), ww("mmer", whole_word=False)])
    assert m.censor("a spammer", m.find("a spammer")) == "a ■■■■■■■"  # masks merge
    m = Matcher([ww("abc", Action.REPLACE, replacement="X", whole_word=False),
                 ww("bcd", Action.REPLACE, replacement="Y", whole_word=False)])
    assert m.censor("abcd", m.find("abcd")) == "Xd"  # first replacement wins
    m = Matcher([ww("abcd", Action.CENSOR, whole_word=False),
                 ww("bc", Action.REPLACE, replacement="Y", whole_word=False)])
    assert m.censor("abcde", m.find("abcde")) == "■Y■e"


def test_censor_rejects_hits_from_another_text() -> None:
    m = Matcher([ww("spam")])
    hits = m.find("spam")
    with pytest.raises(ValueError, match="does not belong"):
        m.censor("eggs", hits)
    with pytest.raises(ValueError, match="does not belong"):
        m.censor("spam", [Hit(hits[0].word, 0, 9, "spam")])


def test_censor_without_hits_returns_text_unchanged() -> None:
    assert Matcher([ww("spam")]).censor("hello", []) == "hello"


# --- scope ----------------------------------------------------------------------------------


def test_category_scope() -> None:
    m = Matcher([ww("spam", categories=frozenset({3, 4})), ww("eggs")])
    assert texts(m, "spam eggs", category_id=3) == ["spam", "eggs"]
    assert texts(m, "spam eggs", category_id=5) == ["eggs"]
    assert texts(m, "spam eggs") == ["eggs"]


def test_locale_scope() -> None:
    m = Matcher([ww("con", locales=frozenset({"fr"})), ww("spam", locales=frozenset({"it_CH"}))])
    assert texts(m, "con spam", locale="fr") == ["con"]
    assert texts(m, "con spam", locale="fr-CA") == ["con"]
    assert texts(m, "con spam", locale="FR_fr") == ["con"]
    assert texts(m, "con spam", locale="it") == []
    assert texts(m, "con spam", locale="it-ch") == ["spam"]
    assert texts(m, "con spam") == []


def test_identical_patterns_in_different_scopes_are_both_reported() -> None:
    fr = ww("con", locales=frozenset({"fr"}), id=1)
    cat = ww("con", Action.FLAG, categories=frozenset({9}), id=2)
    m = Matcher([fr, cat])
    assert [h.word.id for h in m.find("con", locale="fr", category_id=9)] == [1, 2]
    assert [h.word.id for h in m.find("con", locale="fr", category_id=1)] == [1]


# --- validation and dataclass coercion --------------------------------------------------------


@pytest.mark.parametrize(("word", "fragment"), [
    (WatchedWord("", Action.CENSOR), "empty"),
    (WatchedWord("   ", Action.CENSOR), "empty"),
    (WatchedWord("\u200b\u200b", Action.CENSOR), "empty"),
    (WatchedWord("spam", Action.REPLACE), "replacement"),
    (WatchedWord("x" * 600, Action.CENSOR), "longer than"),
])
def test_invalid_words(word: WatchedWord, fragment: str) -> None:
    with pytest.raises(InvalidPattern, match=fragment):
        Matcher([word])


def test_watched_word_coerces_friendly_values() -> None:
    w = WatchedWord("spam", "censor", locales=frozenset({"it-IT"}), categories=frozenset({"3"}))  # type: ignore[arg-type]
    assert w.action is Action.CENSOR
    assert w.locales == frozenset({"it_it"})
    assert w.categories == frozenset({3})
    with pytest.raises(ValueError):
        WatchedWord("spam", "explode")  # type: ignore[arg-type]


def test_empty_matcher_and_text() -> None:
    assert Matcher([]).find("anything") == []
    assert Matcher([ww("spam")]).find("") == []


# --- normalisation consistency ------------------------------------------------------------------


def test_normalize_is_idempotent_per_character() -> None:
    # Patterns and posts go through the same normalisation, so a folded form must fold to itself.
    bad = []
    for cp in list(range(0xA0, 0x2000)) + list(range(0x2070, 0x2200)) + list(range(0xFF00, 0xFFEF)):
        ch = chr(cp)
        once = normalize(ch)
        if normalize(once) != once:
            bad.append(ch)
    assert bad == []


def test_fast_and_general_folding_agree() -> None:
    # The whole-text NFKD fast path must give exactly the per-character folding.
    rng = random.Random(3)
    pool = [chr(cp) for lo, hi in [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F),
                                   (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x3040, 0x30FF), (0xFB00, 0xFB06),
                                   (0xFF01, 0xFF5E), (0x1D400, 0x1D4FF), (0x1F600, 0x1F64F),
                                   (0x4E00, 0x4E80), (0xAC00, 0xAD00), (0x1100, 0x1112), (0xF900, 0xF910)]
            for cp in range(lo, hi + 1) if unicodedata.category(chr(cp)) != "Cn"]
    for _ in range(50):
        text = "".join(rng.choice(pool) for _ in range(400))
        folded, omap, _ = matcher_folding._fold_text(text)
        expected = "".join(c.lower() if c.isascii() else matcher_folding._fold_char(c) for c in text).lower()
        assert folded == expected
        if omap is None:
            assert len(folded) == len(text)


# --- lists ----------------------------------------------------------------------------------------


def test_parse_list_format() -> None:
    words = parse_list("""
        # comment
        censor|spam

        replace|idiot|friend
        block|kill yourself|Please don't.
        flag|*merd*
        require_approval|/(?:bit\\.ly|goo\\.gl)/\\w+/
        block|/foo|bar/|Message with /slashes/
        CENSOR|Caps
    """, locale="it")
    assert [(w.action, w.pattern, w.whole_word, w.is_regex) for w in words] == [
        (Action.CENSOR, "spam", True, False),
        (Action.REPLACE, "idiot", True, False),
        (Action.BLOCK, "kill yourself", True, False),
        (Action.FLAG, "merd", False, False),
        (Action.REQUIRE_APPROVAL, r"(?:bit\.ly|goo\.gl)/\w+", False, True),
        (Action.BLOCK, "foo|bar", False, True),
        (Action.CENSOR, "Caps", True, False),
    ]
    assert words[1].replacement == "friend"
    assert words[2].message == "Please don't."
    assert words[5].message == "Message with /slashes/"
    assert all(w.locales == frozenset({"it"}) for w in words)
    Matcher(words)


@pytest.mark.parametrize(("text", "fragment"), [
    ("censor", "expected action|pattern"),
    ("explode|spam", "unknown action"),
    ("censor|", "empty pattern"),
    ("replace|spam", "needs a replacement"),
    ("flag|spam|extra", "takes no third field"),
])
def test_parse_list_errors(text: str, fragment: str) -> None:
    with pytest.raises(ListParseError, match=fragment) as info:
        parse_list(f"# header\n{text}\n")
    assert info.value.line_no == 2


@pytest.mark.parametrize("locale", ["en", "it", "fr"])
def test_starter_lists_are_valid(locale: str) -> None:
    path = ROOT / "plugins" / "word_filter" / "starter_lists" / f"{locale}.txt"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    for line in lines:  # every line parses on its own
        assert len(parse_list(line)) == 1, line
    words = load_starter_list(locale)
    assert len(words) == len(lines)
    assert 20 <= len(words) <= 45
    assert {w.action for w in words} >= {Action.CENSOR, Action.FLAG, Action.REQUIRE_APPROVAL, Action.BLOCK}
    assert all(w.locales == frozenset({locale}) for w in words)
    Matcher(words)


def test_starter_lists_catch_evasions_but_not_legit_words() -> None:
    it = Matcher(load_starter_list("it"))
    assert it.find("che c4zz@t@ e che stronzzzata", locale="it")
    assert it.find("Va' a c.a.g.a.r.e, vaff4nculo", locale="it")
    assert not it.find("Il calcolo del ridicolo: con la pala e l'anno", locale="it")
    fr = Matcher(load_starter_list("fr"))
    assert fr.find("t'es qu'un CON", locale="fr")
    assert not fr.find("Le contrôle de l'économie, façon député réputé", locale="fr")
    assert not fr.find("vieni con me", locale="it")  # "con" is French only
    en = Matcher(load_starter_list("en"))
    assert en.find("what the f.u.c.k, $hit", locale="en")
    assert not en.find("The class passed the assessment", locale="en")


def test_load_starter_list_locales() -> None:
    assert available_starter_lists() == ["en", "fr", "it"]
    assert load_starter_list("it_IT") == load_starter_list("it-it")
    for bad in ["xx", "../it", "", "it/../../etc"]:
        with pytest.raises(LookupError):
            load_starter_list(bad)


# --- benchmark script ---------------------------------------------------------------------------


def test_benchmark_script_runs() -> None:
    # As a script, in its own process: it imports the engine as ``plugins.word_filter``, a name
    # this process must not use (the plugin's table is defined once, under forum_plugins).
    script = ROOT / "benchmarks" / "word_filter_bench.py"
    out = subprocess.run([sys.executable, str(script), "--size", "5000", "--words", "200", "--runs", "3"],
                         capture_output=True, text=True, check=True, timeout=300).stdout

    def number(pattern: str) -> float:
        match = re.search(pattern, out)
        assert match, f"{pattern!r} not in {out!r}"
        return float(match.group(1))

    assert "word_filter: 200 watched words, 5000 chars," in out
    assert number(r"(\d+) hits") > 0
    assert number(r"compile: ([\d.]+) ms") > 0
    assert number(r"median ([\d.]+) ms") > 0
    assert number(r"p95 ([\d.]+) ms") > 0
