"""Unit tests of the one input cleaner (forum.text.strip_control_chars, applied by forum.web_input)."""

from __future__ import annotations

import pytest

from forum.text import has_control_chars, strip_control_chars
from forum.web_input import INT_MAX, CleanMultiDict


@pytest.mark.parametrize("dirty, clean", [
    ("a\x00b", "ab"),
    ("bell\x07 esc\x1b del\x7f c1\x85\x9f", "bell esc del c1"),
    ("lone \ud800 surrogate \udfff", "lone  surrogate "),
    ("tab\tnewline\ncr\r", "tab\tnewline\ncr\r"),
    ("Perché \u202e <script>", "Perché \u202e <script>"),
])
def test_control_characters_are_removed_and_text_kept(dirty, clean):
    assert strip_control_chars(dirty) == clean
    assert not has_control_chars(clean)


def test_every_form_and_query_value_is_cleaned():
    values = CleanMultiDict([("title", "x\x00y"), ("tag", "a\x01"), ("tag", "b\ud800"), ("k\x00", "v")])
    assert values["title"] == "xy"
    assert values.getlist("tag") == ["a", "b"]
    assert values["k"] == "v"


@pytest.mark.parametrize("raw, expected", [
    ("3", 3), (str(INT_MAX), INT_MAX), (str(INT_MAX + 1), 1), ("99999999999999999999999", 1),
    (str(10**30), 1), ("abc", 1),
])
def test_an_integer_parameter_stays_in_an_ids_range(raw, expected):
    assert CleanMultiDict([("page", raw)]).get("page", 1, type=int) == expected


def test_huge_ids_in_urls_are_not_found(app, client):
    assert client.get("/t/99999999999999999999999/x").status_code == 404
    assert client.get(f"/t/{2**63}/x").status_code == 404


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), ("007", 7), ("²", None), ("٣", None), ("-1", None), ("", None), (None, None), ("1e3", None),
    ("9" * 18, int("9" * 18)), ("9" * 19, None),
])
def test_ascii_int_reads_only_plain_digits(text, expected):
    from forum.text import ascii_int

    assert ascii_int(text) == expected
