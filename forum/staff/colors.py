"""WCAG 2 contrast: badges pick black or white text so the label stays readable on any colour."""

from __future__ import annotations

import re

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
BLACK = "#000000"
WHITE = "#ffffff"
# WCAG AA for normal text.
AA_NORMAL = 4.5


def parse_hex(color: str) -> tuple[int, int, int]:
    if not HEX_COLOR.match(color or ""):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def relative_luminance(color: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in parse_hex(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def badge_text_color(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (an invalid colour: white
    on the default badge colour is what the CSS falls back to)."""
    try:
        on_black = contrast_ratio(background, BLACK)
    except ValueError:
        return WHITE
    return BLACK if on_black >= contrast_ratio(background, WHITE) else WHITE
