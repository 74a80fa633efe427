"""CSV exports that are safe to open in a spreadsheet: the one formula guard.

Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula, and also one that starts with a tab or carriage return followed
by one (OWASP "CSV injection"). Every cell that holds text someone typed goes through
:func:`safe_cell`, which prefixes such a cell with an apostrophe, so it shows as typed and
never runs. Numbers and dates we format ourselves are passed through :func:`row` unchanged
only when they are ``int``/``float``; everything else is treated as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(values: Iterable[Any]) -> list[str | int | float]:
    return [safe_cell(v) for v in values]


def render(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A whole (small) CSV document as one string."""
    return "".join(stream(header, [rows]))


def stream(header: Iterable[str], batches: Iterable[Iterable[Iterable[Any]]]) -> Iterator[str]:
    """CSV text chunk by chunk: the header, then one chunk per batch of rows (constant memory
    for exports read in keyset batches)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(row(header))
    yield buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for values in batch:
            writer.writerow(row(values))
        yield buffer.getvalue()
