"""The one CSV formula guard (audit log, attendee lists, every export)."""

from __future__ import annotations

import csv
import io

import pytest

from forum import csv_export


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"x\")"])
def test_formula_starts_are_defused(cell):
    assert csv_export.safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "", "1+1", " =spaced", "a=b"])
def test_other_text_is_untouched(cell):
    assert csv_export.safe_cell(cell) == cell


def test_numbers_stay_numbers_and_none_is_empty():
    assert csv_export.safe_cell(-5) == -5 and csv_export.safe_cell(2.5) == 2.5
    assert csv_export.safe_cell(None) == "" and csv_export.safe_cell(True) == "true"


def test_stream_guards_every_cell_of_every_batch():
    text = "".join(csv_export.stream(["name", "note"], [[["=cmd", "ok"]], [["bob", "@x"]]]))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "note"], ["'=cmd", "ok"], ["bob", "'@x"]]
