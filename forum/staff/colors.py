"""Badges pick black or white text so the label stays readable on any colour (the WCAG
contrast math lives in :mod:`forum.colors`)."""

from __future__ import annotations

from forum.colors import AA_NORMAL, BLACK, HEX_COLOR, WHITE, contrast_ratio, parse_hex, relative_luminance, text_on

__all__ = ["AA_NORMAL", "BLACK", "HEX_COLOR", "WHITE", "badge_text_color", "contrast_ratio", "parse_hex",
           "relative_luminance"]


def badge_text_color(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (an invalid colour: white
    on the default badge colour is what the CSS falls back to)."""
    try:
        return text_on(background)
    except ValueError:
        return WHITE
