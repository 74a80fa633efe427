"""The one allowlist: what HTML may reach a page (posts, admin-written HTML, search excerpts).

bleach with a single allowlist, then a post-filter for what bleach cannot express (rel on
links, lazy images, script schemes). Mail reuses the same policy (:mod:`.mail`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import bleach
from bleach.html5lib_shim import Filter

from .uploads import UPLOAD_PATH_RE

# --------------------------------------------------------------------------------------------
# Sanitiser policy
# --------------------------------------------------------------------------------------------

# fmt: off
ALLOWED_TAGS: frozenset[str] = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "aside", "div", "span", "sup", "sub", "kbd",
})
# fmt: on
ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Class values are allowlisted, not free: otherwise users could borrow the site's own CSS
# (modals, banners, admin badges) to spoof interface elements inside a post.
_ALIGN_CLASSES = frozenset({"text-left", "text-center", "text-right"})
_CLASS_VALUES: dict[str, frozenset[str]] = {
    "a": frozenset({"mention", "attachment"}),
    "aside": frozenset({"quote"}),
    "div": frozenset({"quote-title"}),
    "span": frozenset({"mention"}),
    "td": _ALIGN_CLASSES,
    "th": _ALIGN_CLASSES,
}
_CODE_CLASS_RE = re.compile(r"language-[\w+#.-]{1,40}", re.ASCII)
_DIGITS_RE = re.compile(r"[0-9]{1,10}")
_TEXT_ALIGN_RE = re.compile(r"\s*text-align\s*:\s*(left|center|right)\s*;?\s*", re.IGNORECASE)
# Browsers drop these anywhere in a URL ("java\tscript:"), so we do too before looking at it.
_URL_NOISE_RE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.-]*):")


def _any_value(value: str) -> bool:
    return True


def _digits(value: str) -> bool:
    return _DIGITS_RE.fullmatch(value) is not None


# href/src values are checked by bleach against ALLOWED_PROTOCOLS and again by _PostFilter.
_ATTRIBUTE_RULES: dict[str, dict[str, Callable[[str], bool]]] = {
    "a": {"href": _any_value, "title": _any_value},
    "img": {"src": _any_value, "alt": _any_value, "title": _any_value, "width": _digits, "height": _digits},
    "ol": {"start": _digits},
    # Reduced to a bare text-align by _AlignOnlyCss, then turned into a class by _PostFilter,
    # so no style attribute ever reaches the page.
    "td": {"style": _any_value},
    "th": {"style": _any_value},
    "aside": {"data-topic": _digits, "data-post": _digits},
    "code": {"class": lambda value: _CODE_CLASS_RE.fullmatch(value) is not None},
}


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    """bleach attribute policy: the per-tag allowlist, with value checks where they matter."""
    if name == "class" and tag in _CLASS_VALUES:
        classes = value.split()
        return bool(classes) and set(classes) <= _CLASS_VALUES[tag]
    check = _ATTRIBUTE_RULES.get(tag, {}).get(name)
    return check is not None and check(value)


class _AlignOnlyCss:
    """The css_sanitizer bleach calls for allowed style attributes: keeps text-align only."""

    def sanitize_css(self, style: str) -> str:
        match = _TEXT_ALIGN_RE.fullmatch(style)
        return f"text-align:{match.group(1).lower()}" if match else ""


def _url_scheme(value: str) -> str | None:
    """Lower-case scheme of a URL as a browser would see it, or None for a relative URL."""
    match = _SCHEME_RE.match(_URL_NOISE_RE.sub("", value).lower())
    return match.group(1) if match else None


class _PostFilter(Filter):
    """Runs after bleach's sanitiser on the token stream.

    bleach lets ``javascript:123`` through (it parses the digits as a port) and cannot add
    attributes, so the last word on links and images is here.
    """

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                name = token["name"]
                if name == "a":
                    _filter_link(token)
                elif name == "img":
                    replacement = _filter_image(token)
                    if replacement is not None:
                        if replacement["data"]:
                            yield replacement
                        continue
                elif name in ("td", "th"):
                    _align_style_to_class(token)
            yield token


def _filter_link(token: dict[str, Any]) -> None:
    attrs: dict[tuple[str | None, str], str] = token["data"]
    href = attrs.get((None, "href"))
    if href is None:
        return
    scheme = _url_scheme(href)
    if scheme is not None and scheme not in ALLOWED_PROTOCOLS:
        del attrs[(None, "href")]
        return
    attrs[(None, "rel")] = LINK_REL


def _filter_image(token: dict[str, Any]) -> dict[str, Any] | None:
    """Lazy-load images; an image whose src is neither http(s) nor an uploaded file's site path
    degrades to its alt text."""
    attrs: dict[tuple[str | None, str], str] = token["data"]
    src = attrs.get((None, "src"), "")
    if _url_scheme(src) not in ("http", "https") and UPLOAD_PATH_RE.fullmatch(src) is None:
        return {"type": "Characters", "data": attrs.get((None, "alt"), "")}
    attrs[(None, "loading")] = "lazy"
    return None


def _align_style_to_class(token: dict[str, Any]) -> None:
    attrs: dict[tuple[str | None, str], str] = token["data"]
    style = attrs.pop((None, "style"), None)
    if style:
        attrs[(None, "class")] = "text-" + style.split(":", 1)[1]


def policy_cleaner(filters: list[type[Filter]]) -> bleach.Cleaner:
    """A cleaner with THE allowlist (tags, attributes, protocols, align-only CSS) and ``filters``
    (which must include :class:`_PostFilter`): the site's and the mail's are both made here."""
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        # Only admin HTML can contain real tags (Markdown output has raw HTML escaped already);
        # dropping unknown tags reads better there than showing them escaped.
        strip=True,
        strip_comments=True,
        css_sanitizer=_AlignOnlyCss(),
        filters=filters,
    )


_CLEANER = policy_cleaner([_PostFilter])
# bleach's Cleaner holds html5lib parser state and is not thread-safe; sanitising is
# CPU-bound, so serialising it costs nothing under the GIL.
_CLEANER_LOCK = threading.Lock()


_EXCERPT_CLEANER = bleach.Cleaner(tags={"mark"}, attributes={}, protocols=[], strip=True)


def sanitize_excerpt(html: str) -> str:
    """Search excerpts: escaped text whose only markup is ``<mark>`` around matched words."""
    with _CLEANER_LOCK:
        return str(_EXCERPT_CLEANER.clean(html))


def sanitize_html(html: str) -> str:
    """Reduce arbitrary HTML to the allowlist (used by cook; also for admin-written HTML)."""
    with _CLEANER_LOCK:
        return str(_CLEANER.clean(html))

