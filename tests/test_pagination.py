"""The one keyset-cursor codec: exact round trips, and a 400 for anything we did not make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum import pagination

STAMPS = [datetime(1970, 1, 1, tzinfo=UTC), datetime(2024, 5, 1, 12, 0, 0, 123457, tzinfo=UTC),
          datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
          datetime(2024, 5, 1, 12, 0, 0, 123457, tzinfo=UTC) - timedelta(microseconds=1)]


@pytest.mark.parametrize("stamp", STAMPS)
def test_round_trip_is_exact_to_the_microsecond(stamp):
    assert pagination.decode_cursor(pagination.encode_cursor(stamp, 42)) == (stamp, 42)


def test_naive_times_are_read_as_utc():
    naive = datetime(2024, 1, 2, 3, 4, 5, 6)
    assert pagination.decode_cursor(pagination.encode_cursor(naive, 1)) == (naive.replace(tzinfo=UTC), 1)


def test_no_cursor_is_the_first_page():
    assert pagination.decode_cursor(None) is None
    assert pagination.decode_cursor("") is None
    assert pagination.decode_id(None) is None and pagination.decode_id("") is None


@pytest.mark.parametrize("bad", ["x_1", "1_x", "12", "_", "1_", "_1", "1_-1", "--1_1", "1.5_2", "１_1",
                                 "999999999999999999_1", "99999999999999999999_1", "1_99999999999999999999",
                                 "1_9223372036854775808", "1 _1", "1_1_1"])
def test_crafted_cursors_are_refused(bad):
    with pytest.raises(pagination.InvalidCursor) as info:
        pagination.decode_cursor(bad)
    assert info.value.code == 400


@pytest.mark.parametrize("bad", ["x", "-1", "1.0", "99999999999999999999", "9223372036854775808"])
def test_crafted_id_cursors_are_refused(bad):
    with pytest.raises(pagination.InvalidCursor):
        pagination.decode_id(bad)


def test_page_of_cuts_the_extra_row():
    page = pagination.page_of([1, 2, 3], 2, str)
    assert page.items == [1, 2] and page.next_cursor == "2"
    last = pagination.page_of([1, 2], 2, str)
    assert last.items == [1, 2] and last.next_cursor is None


@pytest.mark.parametrize("count", [0, 1, 42, -7, 2**31 - 1, -(2**31)])
def test_count_cursors_round_trip_exactly(count):
    assert pagination.decode_count_cursor(pagination.encode_count_cursor(count, 9)) == (count, 9)
    assert pagination.decode_count_cursor(None) is None and pagination.decode_count_cursor("") is None


@pytest.mark.parametrize("bad", ["x_1", "1_x", "12", "_", "1_", "_1", "1_-1", "--1_1", "1.5_2", "１_1",
                                 "2147483648_1", "-2147483649_1", "99999999999999999999_1",
                                 "1_9223372036854775808", "1 _1", "1_1_1"])
def test_crafted_count_cursors_are_refused(bad):
    with pytest.raises(pagination.InvalidCursor) as info:
        pagination.decode_count_cursor(bad)
    assert info.value.code == 400
