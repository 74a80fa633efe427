"""Post markup: Markdown source -> sanitised HTML, plain text and excerpts.

This is the only module that imports markdown-it and bleach, so the whole "what may reach a
page" policy lives here. Pipeline: markdown-it (CommonMark + tables, strikethrough, autolinks,
@mentions, Discourse-style ``[quote]`` blocks, raw HTML off) -> bleach with one allowlist ->
a post-filter for what bleach cannot express (rel on links, lazy images, script schemes).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote as url_quote

import bleach
from bleach.html5lib_shim import Filter
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

__all__ = ["COOK_VERSION", "Cooked", "References", "cook", "excerpt", "mail_html", "plain_text", "prose_text",
           "references", "sanitize_html"]

# Bump whenever the HTML produced for the same source changes, so stored posts can be re-cooked.
COOK_VERSION: int = 1

Resolver = Callable[[Iterable[str]], Mapping[str, str]]


@dataclass(frozen=True)
class Cooked:
    """Result of :func:`cook`."""

    html: str
    mentions: tuple[str, ...]
    quoted_posts: tuple[tuple[int, int], ...]


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
    "a": frozenset({"mention"}),
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
    "img": {"src": _any_value, "alt": _any_value, "title": _any_value},
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
    """Lazy-load remote images; an image without an http(s) src degrades to its alt text."""
    attrs: dict[tuple[str | None, str], str] = token["data"]
    src = attrs.get((None, "src"), "")
    if _url_scheme(src) not in ("http", "https"):
        return {"type": "Characters", "data": attrs.get((None, "alt"), "")}
    attrs[(None, "loading")] = "lazy"
    return None


def _align_style_to_class(token: dict[str, Any]) -> None:
    attrs: dict[tuple[str | None, str], str] = token["data"]
    style = attrs.pop((None, "style"), None)
    if style:
        attrs[(None, "class")] = "text-" + style.split(":", 1)[1]


_CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols=ALLOWED_PROTOCOLS,
    # Only admin HTML can contain real tags (Markdown output has raw HTML escaped already);
    # dropping unknown tags reads better there than showing them escaped.
    strip=True,
    strip_comments=True,
    css_sanitizer=_AlignOnlyCss(),
    filters=[_PostFilter],
)
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


# --------------------------------------------------------------------------------------------
# Cooked HTML in mail
# --------------------------------------------------------------------------------------------

# Mail is read away from the site: no stylesheet, so the few tags posts use get inline styles
# of our own (chosen to read on a light and on a dark background), and every link and image
# must be absolute. Set by mail_html for the duration of one clean().
_MAIL_ABSOLUTE: ContextVar[Callable[[str], str] | None] = ContextVar("forum_mail_absolute", default=None)
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
        for token in super().__iter__():
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


_MAIL_CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    css_sanitizer=_AlignOnlyCss(),
    filters=[_MailLinks, _PostFilter, _MailStyles],
)


def mail_html(html: str, absolute: Callable[[str], str]) -> str:
    """A post's HTML for a mail: sanitised again with the site's one allowlist (what is stored
    was sanitised when cooked; mail does not trust that), relative links and image sources made
    absolute with ``absolute(site_path)`` (``forum.urls.public_url``), and the inline styles
    mail clients need in place of the site's stylesheet. Nothing executable survives: no
    script, style element, event handler, form or script URL, whatever ``html`` holds."""
    token = _MAIL_ABSOLUTE.set(absolute)
    try:
        with _CLEANER_LOCK:
            return str(_MAIL_CLEANER.clean(html))
    finally:
        _MAIL_ABSOLUTE.reset(token)


# --------------------------------------------------------------------------------------------
# Markdown: mentions
# --------------------------------------------------------------------------------------------

# Letters (any script), digits, "_", "-", "."; the lookbehind keeps "bob@example.com" out.
_MENTION_RE = re.compile(r"(?<!\w)@(\w[\w.-]*)")


def _mention_core_rule(state: StateCore) -> None:
    """Split ``@name`` out of text into ``mention`` tokens; resolution happens after parsing.

    Runs after linkify (so mentions inside autolinks are already out of reach) and before
    text_join (so an escaped ``\\@name`` or ``&#64;name`` is still a separate token and
    stays literal). Code spans are not text tokens, so they are never touched.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children or "@" not in block.content:
            continue
        children: list[Token] = []
        link_depth = 0
        previous: Token | None = None
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            elif token.type == "html_inline":  # only with html enabled
                if re.match(r"<a[>\s]", token.content, re.IGNORECASE):
                    link_depth += 1
                elif re.match(r"</a\s*>", token.content, re.IGNORECASE):
                    link_depth -= 1
            if token.type == "text" and link_depth <= 0 and "@" in token.content:
                # A text token may start right after another one (e.g. an escape); its last
                # character decides whether "@" is at a word boundary.
                before = ""
                if previous is not None and previous.type in ("text", "text_special"):
                    before = previous.content[-1:]
                children.extend(_split_mentions(token, before))
            else:
                children.append(token)
            previous = token
        block.children = children


def _split_mentions(token: Token, before: str) -> list[Token]:
    text = token.content
    out: list[Token] = []
    last = 0
    for match in _MENTION_RE.finditer(before + text):
        start = match.start() - len(before)
        if start < 0:
            continue
        name = match.group(1).rstrip(".")  # a trailing dot ends the sentence, not the name
        if start > last:
            out.append(_text_token(text[last:start], token.level))
        mention = Token("mention", "", 0)
        mention.content = name
        mention.markup = "@"
        mention.level = token.level
        out.append(mention)
        last = start + 1 + len(name)
    if not out:
        return [token]
    if last < len(text):
        out.append(_text_token(text[last:], token.level))
    return out


def _text_token(content: str, level: int) -> Token:
    token = Token("text", "", 0)
    token.content = content
    token.level = level
    return token


def _render_mention(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    name = tokens[idx].content
    canonical = env.get("mention_map", {}).get(name.lower())
    if not canonical:
        return escape("@" + name, quote=False)
    href = "/u/" + url_quote(canonical, safe="")
    return f'<a class="mention" href="{escape(href)}">@{escape(canonical, quote=False)}</a>'


# --------------------------------------------------------------------------------------------
# Markdown: [quote] blocks
# --------------------------------------------------------------------------------------------

_QUOTE_OPEN_RE = re.compile(r'\[quote(?:=(?:"([^"\]\n]*)"|([^\s"\]]+)))?\][ \t]*', re.IGNORECASE)
_QUOTE_CLOSE_RE = re.compile(r"\[/quote\][ \t]*", re.IGNORECASE)
_QUOTE_PARAM_RE = re.compile(r"([a-z_]+)\s*:\s*(.*)", re.IGNORECASE | re.DOTALL)
# Lines the quote rule may scan per document: an unclosed marker on every line would
# otherwise cost O(lines^2). Legitimate posts stay far below this.
_QUOTE_SCAN_BUDGET = 20_000


@dataclass(frozen=True)
class _QuoteInfo:
    username: str
    topic: int | None
    post: int | None


def _parse_quote_params(params: str) -> _QuoteInfo | None:
    """``alice, post:3, topic:42`` -> info; None if post/topic are present but not numbers."""
    parts = [part.strip() for part in params.split(",")]
    numbers: dict[str, int] = {}
    for part in parts[1:]:
        match = _QUOTE_PARAM_RE.fullmatch(part)
        if match is None:
            return None
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in ("post", "topic"):
            if not _DIGITS_RE.fullmatch(value) or int(value) == 0:
                return None
            numbers[key] = int(value)
        # Other Discourse keys (full:true, username:...) carry nothing we render.
    return _QuoteInfo(parts[0], numbers.get("topic"), numbers.get("post"))


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _find_quote_end(state: StateBlock, start_line: int, end_line: int) -> int | None:
    """Line of the ``[/quote]`` matching the opener at ``start_line``, counting nested openers."""
    budget: int = state.env.get("_quote_budget", _QUOTE_SCAN_BUDGET)
    depth = 1
    line = start_line
    found: int | None = None
    while budget > 0:
        line += 1
        budget -= 1
        if line >= end_line:
            break
        text = _line(state, line)
        if text and state.sCount[line] < state.blkIndent:
            break  # a less indented line ends the enclosing container (list item...)
        if not text.startswith("[") or state.is_code_block(line):
            continue
        if _QUOTE_CLOSE_RE.fullmatch(text):
            depth -= 1
            if not depth:
                found = line
                break
        elif _QUOTE_OPEN_RE.fullmatch(text):
            depth += 1
    state.env["_quote_budget"] = budget
    return found


def _quote_block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    first = _line(state, start_line)
    if not first.startswith("[") or (match := _QUOTE_OPEN_RE.fullmatch(first)) is None:
        return False
    info = _parse_quote_params(match.group(1) or match.group(2) or "")
    if info is None:
        return False
    line = _find_quote_end(state, start_line, end_line)
    if line is None:
        return False  # unclosed: the marker stays text
    if silent:
        return True

    old_parent, old_line_max = state.parentType, state.lineMax
    state.parentType = "quote"
    state.lineMax = line  # lazy continuation lines must not run past [/quote]
    token = state.push("quote_open", "aside", 1)
    token.block = True
    token.map = [start_line, line]
    token.meta = {"quote": info}
    state.md.block.tokenize(state, start_line + 1, line)
    token = state.push("quote_close", "aside", -1)
    token.block = True
    state.parentType, state.lineMax = old_parent, old_line_max
    state.line = line + 1
    return True


def _render_quote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    info: _QuoteInfo = tokens[idx].meta["quote"]
    attrs = title = ""
    label = escape(info.username + ":", quote=False)
    if info.topic is not None and info.post is not None:
        attrs = f' data-topic="{info.topic}" data-post="{info.post}"'
        title = f'<div class="quote-title"><a href="/t/-/{info.topic}/{info.post}">{label}</a></div>'
    elif info.username:
        title = f'<div class="quote-title">{label}</div>'
    return f'<aside class="quote"{attrs}>{title}<blockquote>\n'


def _render_quote_close(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</blockquote></aside>\n"


# --------------------------------------------------------------------------------------------
# Markdown: parser
# --------------------------------------------------------------------------------------------


class _SchemeOrWwwLinkify(LinkifyIt):
    """Autolink URLs with a scheme or ``www.``, and e-mail addresses, but not bare domains:
    fuzzy matching turns ``setup.py``, ``node.js`` or ``README.md`` into links."""

    def match(self, text: str) -> list[Any] | None:
        found = super().match(text)
        if not found:
            return None
        kept = [m for m in found if m.schema or m.raw.lower().startswith("www.")]
        return kept or None


def _build_markdown(*, html: bool = False) -> MarkdownIt:
    """The parser. ``html=True`` exists only so tests can measure CommonMark conformance of
    everything else in the pipeline on the spec's raw-HTML examples; production keeps it off."""
    md = MarkdownIt("commonmark", {"html": html, "linkify": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.linkify = _SchemeOrWwwLinkify()
    md.core.ruler.after("linkify", "mention", _mention_core_rule)
    md.block.ruler.before(
        "fence", "quote", _quote_block_rule, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("quote_open", _render_quote_open)
    md.add_render_rule("quote_close", _render_quote_close)
    return md


_MD = _build_markdown()


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    """Block tokens and the inline tokens inside them, in document order."""
    for token in tokens:
        yield token
        if token.children:
            yield from token.children


def cook(source: str, *, resolve_users: Resolver | None = None) -> Cooked:
    """Markdown -> sanitised HTML plus the mentions and quotes it contains.

    ``resolve_users`` gets every candidate name (lower-cased) in one call and maps the ones
    that exist to their canonical spelling. Mentions inside quotes are linked but not
    reported, so quoting a post does not notify everyone it mentioned again.
    """
    return _cook_with(_MD, source, resolve_users)


def _cook_with(md: MarkdownIt, source: str, resolve_users: Resolver | None) -> Cooked:
    env: dict[str, Any] = {}
    tokens = md.parse(source, env)

    names: dict[str, None] = {}  # ordered set
    for token in _walk(tokens):
        if token.type == "mention":
            names.setdefault(token.content.lower())
    resolved: dict[str, str] = {}
    if names and resolve_users is not None:
        # Outside any lock and after parsing: this is the caller's one SQL query.
        mapping = resolve_users(tuple(names))
        resolved = {n: c for n in names if isinstance(c := mapping.get(n), str) and c}
    env["mention_map"] = resolved

    mentions: dict[str, None] = {}
    quoted: dict[tuple[int, int], None] = {}
    quote_depth = 0
    for token in _walk(tokens):
        if token.type == "quote_open":
            quote_depth += 1
            info: _QuoteInfo = token.meta["quote"]
            if info.topic is not None and info.post is not None:
                quoted.setdefault((info.topic, info.post))
        elif token.type == "quote_close":
            quote_depth -= 1
        elif token.type == "mention" and not quote_depth:
            canonical = resolved.get(token.content.lower())
            if canonical:
                mentions.setdefault(canonical)

    html = sanitize_html(md.renderer.render(tokens, md.options, env))
    return Cooked(html=html, mentions=tuple(mentions), quoted_posts=tuple(quoted))


@dataclass(frozen=True)
class References:
    """Result of :func:`references`: whom a post's own words name and which posts it quotes."""

    names: tuple[str, ...]                       # ``@name`` candidates, lower-cased, in order
    quoted_posts: tuple[tuple[int, int], ...]    # (topic id, post number) of each [quote]


def references(source: str) -> References:
    """The ``@names`` a post's text writes OUTSIDE quotes (users or groups alike, unresolved:
    lower-cased candidates, in order, once each) and the posts its ``[quote]`` blocks cite,
    parsed exactly as :func:`cook` parses them, without rendering. For notifications: a name
    written inside a quote is someone else's words and mentions nobody again."""
    names: dict[str, None] = {}
    quoted: dict[tuple[int, int], None] = {}
    quote_depth = 0
    for token in _walk(_MD.parse(source, {})):
        if token.type == "quote_open":
            quote_depth += 1
            info: _QuoteInfo = token.meta["quote"]
            if info.topic is not None and info.post is not None:
                quoted.setdefault((info.topic, info.post))
        elif token.type == "quote_close":
            quote_depth -= 1
        elif token.type == "mention" and not quote_depth:
            names.setdefault(token.content.lower())
    return References(names=tuple(names), quoted_posts=tuple(quoted))


# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------


def _inline_text(children: Sequence[Token] | None) -> str:
    out: list[str] = []
    for token in children or ():
        if token.type in ("text", "code_inline", "html_inline", "text_special"):
            out.append(token.content)
        elif token.type == "mention":
            out.append("@" + token.content)
        elif token.type == "image":
            out.append(_inline_text(token.children))
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


class _PlainTextWriter:
    """Collects plain-text blocks from a token stream; one method per token kind it cares about."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.row: list[str] | None = None
        self.rows_in_table = 0
        self.numbers: list[int | None] = []  # per open list: next number, None for bullets
        self.bullet = ""  # prefix waiting for the list item's first line
        self.list_start = False  # the first item of a top-level list starts a new block
        self.join_next = False  # the next leaf continues the current block on a new line
        self.handlers: dict[str, Callable[[Token], None]] = {
            "bullet_list_open": lambda t: self.open_list(None),
            "ordered_list_open": lambda t: self.open_list(int(t.attrGet("start") or 1)),
            "bullet_list_close": self.close_list,
            "ordered_list_close": self.close_list,
            "list_item_open": self.open_item,
            "paragraph_open": self.open_paragraph,
            "table_open": self.open_table,
            "tr_open": self.open_row,
            "tr_close": self.close_row,
            "inline": lambda t: self.leaf(_inline_text(t.children)),
            "fence": lambda t: self.leaf(t.content.rstrip("\n")),
            "code_block": lambda t: self.leaf(t.content.rstrip("\n")),
            "html_block": lambda t: self.leaf(t.content.rstrip("\n")),
        }

    def open_list(self, start: int | None) -> None:
        if not self.numbers:
            self.list_start = True
        self.numbers.append(start)

    def close_list(self, token: Token) -> None:
        self.numbers.pop()

    def open_item(self, token: Token) -> None:
        number = self.numbers[-1]
        self.bullet = "- " if number is None else f"{number}. "
        if number is not None:
            self.numbers[-1] = number + 1

    def open_paragraph(self, token: Token) -> None:
        # Tight list items (hidden paragraphs) read as one line each, not as paragraphs.
        self.join_next = token.hidden and not self.list_start

    def open_table(self, token: Token) -> None:
        self.rows_in_table = 0

    def open_row(self, token: Token) -> None:
        self.row = []

    def close_row(self, token: Token) -> None:
        if self.row is not None:
            cells, self.row = self.row, None
            self.join_next = self.rows_in_table > 0
            self.rows_in_table += 1
            self.leaf(" | ".join(cells))

    def leaf(self, text: str) -> None:
        if self.row is not None:
            self.row.append(text.strip())
            return
        text, self.bullet = self.bullet + text, ""
        if self.blocks and self.join_next:
            self.blocks[-1] += "\n" + text
        else:
            self.blocks.append(text)
        self.join_next = self.list_start = False

    def feed(self, tokens: Iterable[Token]) -> str:
        quote_depth = 0
        for token in tokens:
            if token.type in ("quote_open", "quote_close"):
                quote_depth += token.nesting
            elif not quote_depth and (handler := self.handlers.get(token.type)):
                handler(token)
        return "\n\n".join(block for block in self.blocks if block.strip())


def plain_text(source: str) -> str:
    """Markdown -> readable plain text (NOT HTML-escaped; escape it wherever it is output).

    Quoted posts are left out: search should match a post on its author's own words, and an
    excerpt of a reply should not open with someone else's.
    """
    return _PlainTextWriter().feed(_MD.parse(source, {})).strip()


# Blocks that are not the author's own prose: quotes of others and code.
_NOT_PROSE_BLOCKS = {"quote_open": "quote_close", "blockquote_open": "blockquote_close"}
_BARE_URL_RE = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)


def _prose_inline(children: Sequence[Token] | None) -> str:
    out: list[str] = []
    in_autolink = False
    for token in children or ():
        if token.type == "link_open" and token.info == "auto":
            in_autolink = True  # a bare URL, linkified: not words of any language
        elif token.type == "link_close":
            in_autolink = False
        elif token.type in ("text", "text_special") and not in_autolink:
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        # code spans, mentions, images and raw HTML say nothing about the author's language
    return "".join(out)


def prose_text(source: str) -> str:
    """The author's own words in ``source``: plain text without code (blocks and spans), quotes
    (``[quote]`` and ``>``), URLs, mentions, images and raw HTML. What a language detector
    should read; not for display."""
    blocks: list[str] = []
    closing: list[str] = []
    for token in _MD.parse(source, {}):
        if closing:
            if token.type == closing[-1]:
                closing.pop()
            elif token.type in _NOT_PROSE_BLOCKS:
                closing.append(_NOT_PROSE_BLOCKS[token.type])
            continue
        if token.type in _NOT_PROSE_BLOCKS:
            closing.append(_NOT_PROSE_BLOCKS[token.type])
        elif token.type == "inline":
            blocks.append(_prose_inline(token.children))
    return _BARE_URL_RE.sub(" ", "\n".join(block for block in blocks if block.strip())).strip()


def excerpt(source: str, length: int = 200) -> str:
    """Single-line plain-text excerpt of at most ``length`` characters, cut between words."""
    text = " ".join(plain_text(source).split())
    if len(text) <= length:
        return text
    if length <= 1:
        return "…"[:length]
    cut = text[: length - 1]  # room for the ellipsis
    if not text[length - 1].isspace():
        head = cut.rsplit(" ", 1)[0]
        if head != cut:  # a single over-long word is cut mid-word rather than dropped
            cut = head
    return cut.rstrip(" ,;:-–—") + "…"
