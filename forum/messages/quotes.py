"""Quoting a message into the reply box of its own conversation (the composer's Quote).

The quote names its author only: no link and no reference a cooked text could expand, so a
quote pasted anywhere else shows just the words the member pasted.
"""

from __future__ import annotations

from forum.errors import NotFound

from .models import ConversationMessage, MessageKind, MessageState


def quote_parts(message: ConversationMessage) -> tuple[str, str, str]:
    """The opening tag, the Markdown and the closing tag that quote ``message`` (the composer
    wraps a selection of it in the same tags). The caller found the message in a conversation
    the member reads; a notice, a withdrawn or a hidden message has nothing to quote."""
    if message.kind != MessageKind.TEXT or message.state != MessageState.PUBLISHED:
        raise NotFound()
    author = message.author.username if message.author is not None else ""
    opening = f'[quote="{author}"]' if author else "[quote]"
    return opening, message.raw, "[/quote]"


def quote_source(message: ConversationMessage) -> str:
    """Markdown that quotes the whole ``message`` into a reply."""
    opening, raw, closing = quote_parts(message)
    return f"{opening}\n{raw}\n{closing}\n\n"
