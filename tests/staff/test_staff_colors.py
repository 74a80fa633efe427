"""Badge contrast: the text colour is chosen by WCAG contrast, so every badge stays readable."""

from __future__ import annotations

import itertools

import pytest

from forum.staff.colors import AA_NORMAL, BLACK, WHITE, badge_text_color, contrast_ratio, relative_luminance
from forum.staff.models import StaffGroup


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # Well-known pair: #767676 on white is the lightest grey that passes AA (4.54:1).
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#2f5d8a", WHITE) == pytest.approx(contrast_ratio(WHITE, "#2f5d8a"))
    assert relative_luminance(WHITE) == pytest.approx(1.0)


@pytest.mark.parametrize(("background", "expected"), [
    ("#ffd400", BLACK),   # yellow: white text would be unreadable
    ("#ffffff", BLACK),
    ("#7fdbff", BLACK),   # light blue
    ("#0b3d73", WHITE),   # navy
    ("#b3261e", WHITE),   # dark red
    ("#000000", WHITE),
])
def test_badge_text_colour_is_black_or_white_by_contrast(background: str, expected: str) -> None:
    assert badge_text_color(background) == expected


def test_every_colour_gets_text_that_passes_aa() -> None:
    # A coarse sweep of the RGB cube: the better of black/white always reaches 4.5:1.
    steps = [0, 51, 102, 119, 136, 153, 204, 255]
    for r, g, b in itertools.product(steps, repeat=3):
        colour = f"#{r:02x}{g:02x}{b:02x}"
        assert contrast_ratio(colour, badge_text_color(colour)) >= AA_NORMAL, colour


def test_invalid_colour_falls_back_and_group_exposes_text_colour() -> None:
    assert badge_text_color("red") == WHITE
    assert StaffGroup(name="A", label="A", color="#ffd400").text_color == BLACK
    assert StaffGroup(name="B", label="B", color="#0b3d73").text_color == WHITE
