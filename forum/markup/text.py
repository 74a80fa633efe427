"""Plain text from Markdown: for search, excerpts, notifications and language detection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from markdown_it.token import Token

from .cooking import parse

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
    return _PlainTextWriter().feed(parse(source)).strip()


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
    for token in parse(source):
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
