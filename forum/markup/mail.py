"""Cooked HTML in mail: the site's allowlist again, absolute links, inline styles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from bleach.html5lib_shim import Filter

from .sanitize import (
    _ALIGN_CLASSES,
    _CLEANER_LOCK,
    _URL_NOISE_RE,
    _PostFilter,
    _url_scheme,
    policy_cleaner,
)

# --------------------------------------------------------------------------------------------
# Cooked HTML in mail
# --------------------------------------------------------------------------------------------

# Mail is read away from the site: no stylesheet, so the few tags posts use get inline styles
# of our own (chosen to read on a light and on a dark background), and every link and image
# must be absolute. Set by mail_html for the duration of one clean().
_MAIL_ABSOLUTE: ContextVar[Callable[[str], str] | None] = ContextVar("forum_mail_absolute", default=None)
# Set when the post is not public: its images become links (a mail client fetches images with
# no session, so it would get a 404 and show a broken picture; the reader follows the link and
# signs in).
_MAIL_LINK_IMAGES: ContextVar[bool] = ContextVar("forum_mail_link_images", default=False)
_QUOTE_STYLE = "margin:0 0 12px;padding:2px 0 2px 12px;border-left:3px solid #8c8c8c"
_CELL_STYLE = "border:1px solid #8c8c8c;padding:4px 8px"
_MAIL_STYLES: dict[str, str] = {
    "blockquote": _QUOTE_STYLE,
    "aside": _QUOTE_STYLE,
    "pre": "white-space:pre-wrap;word-wrap:break-word;padding:8px;border:1px solid #8c8c8c;border-radius:4px",
    "code": "font-family:Consolas,Menlo,monospace;font-size:90%",
    "img": "max-width:100%;height:auto;border:0",
    "table": "border-collapse:collapse;margin:0 0 12px",
    "td": _CELL_STYLE,
    "th": _CELL_STYLE,
    "p": "margin:0 0 12px",
}


class _MailLinks(Filter):
    """Before the post filter: relative links and image sources become absolute (site paths);
    a bare fragment ("#p3") means nothing in a mail and loses its href."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        absolute = _MAIL_ABSOLUTE.get()
        link_images = _MAIL_LINK_IMAGES.get()
        for token in super().__iter__():
            if link_images and absolute is not None and token["type"] in ("StartTag", "EmptyTag") \
                    and token["name"] == "img" and _url_scheme(token["data"].get((None, "src"), "")) is None:
                yield from _image_as_link(token["data"], absolute)
                continue
            if absolute is not None and token["type"] in ("StartTag", "EmptyTag") and token["name"] in ("a", "img"):
                attrs: dict[tuple[str | None, str], str] = token["data"]
                key = (None, "href" if token["name"] == "a" else "src")
                value = attrs.get(key)
                if value is not None and _url_scheme(value) is None:
                    value = _URL_NOISE_RE.sub("", value)
                    if value.startswith("//"):
                        attrs[key] = "https:" + value
                    elif not value or value.startswith("#"):
                        del attrs[key]
                    else:
                        attrs[key] = absolute(value if value.startswith("/") else "/" + value)
            yield token


def _image_as_link(attrs: dict[tuple[str | None, str], str],
                   absolute: Callable[[str], str]) -> Iterator[dict[str, Any]]:
    src = _URL_NOISE_RE.sub("", attrs.get((None, "src"), ""))
    label = (attrs.get((None, "alt")) or src.rsplit("/", 1)[-1] or "image").strip()
    if not src or src.startswith("#"):
        yield {"type": "Characters", "data": label}
        return
    yield {"type": "StartTag", "name": "a", "namespace": None,
           "data": {(None, "href"): absolute(src if src.startswith("/") else "/" + src)}}
    yield {"type": "Characters", "data": f"[{label}]"}
    yield {"type": "EndTag", "name": "a", "namespace": None}


class _MailStyles(Filter):
    """After the post filter: our inline styles (content never brings its own: bleach removed
    every style attribute it had) and link targets that open outside the mail client."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                attrs: dict[tuple[str | None, str], str] = token["data"]
                style = _MAIL_STYLES.get(token["name"], "")
                align = next((c[5:] for c in attrs.get((None, "class"), "").split() if c in _ALIGN_CLASSES), None)
                if align:
                    style = f"{style};text-align:{align}"
                attrs.pop((None, "loading"), None)
                if style:
                    attrs[(None, "style")] = style
            yield token


_MAIL_CLEANER = policy_cleaner([_MailLinks, _PostFilter, _MailStyles])


def mail_html(html: str, absolute: Callable[[str], str], *, link_images: bool = False) -> str:
    """A post's HTML for a mail: sanitised again with the site's one allowlist (what is stored
    was sanitised when cooked; mail does not trust that), relative links and image sources made
    absolute with ``absolute(site_path)`` (``forum.urls.public_url``), and the inline styles
    mail clients need in place of the site's stylesheet. Nothing executable survives: no
    script, style element, event handler, form or script URL, whatever ``html`` holds.
    ``link_images``: the site's own images become links (a post visitors may not read: its
    files answer 404 to a mail client, which has no session)."""
    token = _MAIL_ABSOLUTE.set(absolute)
    images = _MAIL_LINK_IMAGES.set(link_images)
    try:
        with _CLEANER_LOCK:
            return str(_MAIL_CLEANER.clean(html))
    finally:
        _MAIL_LINK_IMAGES.reset(images)
        _MAIL_ABSOLUTE.reset(token)

