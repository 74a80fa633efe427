"""Markdown -> sanitised HTML: the parser (CommonMark + tables, strikethrough, autolinks,
@mentions, Discourse-style ``[quote]`` blocks, raw HTML off), :func:`cook` and
:func:`references`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote as url_quote

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .sanitize import _DIGITS_RE, sanitize_html
from .uploads import UploadResolver, resolve_uploads

# Bump whenever the HTML produced for the same source changes, so stored posts can be re-cooked.
COOK_VERSION: int = 1

Resolver = Callable[[Iterable[str]], Mapping[str, str]]


@dataclass(frozen=True)
class Cooked:
    """Result of :func:`cook`."""

    html: str
    mentions: tuple[str, ...]
    quoted_posts: tuple[tuple[int, int], ...]
    uploads: tuple[str, ...] = ()        # tokens of the uploaded files the text uses, in order
    images: tuple[str, ...] = ()         # those shown as images (the first is a topic's thumbnail)
    remote_images: tuple[str, ...] = ()  # http(s) image sources left remote


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


def cook(source: str, *, resolve_users: Resolver | None = None,
         resolve_uploads: UploadResolver | None = None) -> Cooked:
    """Markdown -> sanitised HTML plus the mentions, quotes and uploaded files it contains.

    ``resolve_users`` gets every candidate name (lower-cased) in one call and maps the ones
    that exist to their canonical spelling. Mentions inside quotes are linked but not
    reported, so quoting a post does not notify everyone it mentioned again.
    ``resolve_uploads`` gets every ``upload://`` token and remote image in one call
    (:mod:`.uploads`); without it, references degrade to their text.
    """
    return _cook_with(_MD, source, resolve_users, resolve_uploads)


def _cook_with(md: MarkdownIt, source: str, resolve_users: Resolver | None,
               resolve_files: UploadResolver | None = None) -> Cooked:
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

    refs = _references_in(tokens)
    mentions: dict[str, None] = {}  # ordered set of canonical names
    for name in refs.names:
        if canonical := resolved.get(name):
            mentions.setdefault(canonical)

    files = resolve_uploads(_walk(tokens), resolve_files)  # the caller's one query for files
    html = sanitize_html(md.renderer.render(tokens, md.options, env))
    return Cooked(html=html, mentions=tuple(mentions), quoted_posts=refs.quoted_posts, uploads=files.uploads,
                  images=files.images, remote_images=files.remote_images)


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
    return _references_in(_MD.parse(source, {}))


def _references_in(tokens: Sequence[Token]) -> References:
    names: dict[str, None] = {}  # ordered sets
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
            names.setdefault(token.content.lower())
    return References(names=tuple(names), quoted_posts=tuple(quoted))


def parse(source: str) -> list[Token]:
    """The token stream of ``source``, as :func:`cook` parses it (for the plain-text writers)."""
    return _MD.parse(source, {})
