"""WCAG 2 colour contrast, the one implementation: staff badges pick their text colour with it,
and :func:`forum.themes.brand_css` derives readable shades of the admins' brand colours."""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
BLACK = "#000000"
WHITE = "#ffffff"
# WCAG AA for normal text.
AA_NORMAL = 4.5


def parse_hex(color: str) -> tuple[int, int, int]:
    if not HEX_COLOR.match(color or ""):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(v))):02x}" for v in rgb)


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


def mix(a: str, b: str, amount: float) -> str:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``, in sRGB (as CSS color-mix does)."""
    pa, pb = parse_hex(a), parse_hex(b)
    return to_hex((pa[0] + (pb[0] - pa[0]) * amount, pa[1] + (pb[1] - pa[1]) * amount,
                   pa[2] + (pb[2] - pa[2]) * amount))


def text_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background``. One of them always reaches
    4.58:1 (their two ratios multiply to 21), so text on any brand colour passes AA."""
    return BLACK if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE) else WHITE


def with_lightness(color: str, lightness: float) -> str:
    """``color`` with its HSL lightness set to ``lightness`` (0..1); hue and saturation stay."""
    r, g, b = (v / 255 for v in parse_hex(color))
    hue, _, saturation = colorsys.rgb_to_hls(r, g, b)
    return to_hex(tuple(v * 255 for v in colorsys.hls_to_rgb(hue, lightness, saturation)))  # type: ignore[arg-type]


def readable_on(color: str, surfaces: Iterable[str], minimum: float = AA_NORMAL) -> str:
    """The shade of ``color`` closest to it that reaches ``minimum`` against every surface.

    Only the HSL lightness moves (darker on light surfaces, lighter on dark ones), so the hue
    and saturation of the brand stay; a colour that already reads well is returned unchanged.
    Surfaces of one scheme are all light or all dark, so lightness 0 or 1 always passes."""
    surfaces = list(surfaces)

    def passes(candidate: str) -> bool:
        return all(contrast_ratio(candidate, s) >= minimum for s in surfaces)

    if passes(color):
        return color
    r, g, b = (v / 255 for v in parse_hex(color))
    start = colorsys.rgb_to_hls(r, g, b)[1]
    dark_surfaces = sum(relative_luminance(s) for s in surfaces) / len(surfaces) < 0.18
    # Search the lightness between the colour's own and the extreme that is sure to pass.
    near, far = start, (1.0 if dark_surfaces else 0.0)
    for _ in range(24):
        middle = (near + far) / 2
        if passes(with_lightness(color, middle)):
            far = middle
        else:
            near = middle
    return with_lightness(color, far)
