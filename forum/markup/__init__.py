"""Post markup: Markdown source -> sanitised HTML, plain text, excerpts and mail HTML.

This package is the only place that imports markdown-it and bleach, so the whole "what may
reach a page" policy lives here. Pipeline: markdown-it (CommonMark + tables, strikethrough,
autolinks, @mentions, Discourse-style ``[quote]`` blocks, raw HTML off; :mod:`.cooking`) ->
bleach with one allowlist -> a post-filter for what bleach cannot express (rel on links, lazy
images, script schemes; :mod:`.sanitize`). Mail re-sanitises with the same allowlist and adds
absolute links and inline styles (:mod:`.mail`); plain text for search, excerpts and language
detection is :mod:`.text`; files in posts (``upload://`` references) are :mod:`.uploads`.
"""

from .cooking import COOK_VERSION, Cooked, References, Resolver, cook, references
from .mail import mail_html
from .sanitize import ALLOWED_PROTOCOLS, ALLOWED_TAGS, LINK_REL, sanitize_excerpt, sanitize_html
from .text import excerpt, plain_text, prose_text
from .uploads import UPLOAD_SCHEME, UploadLink, UploadResolver, upload_token, upload_tokens_in

__all__ = ["ALLOWED_PROTOCOLS", "ALLOWED_TAGS", "COOK_VERSION", "LINK_REL", "UPLOAD_SCHEME", "Cooked", "References",
           "Resolver", "UploadLink", "UploadResolver", "cook", "excerpt", "mail_html", "plain_text", "prose_text",
           "references", "sanitize_excerpt", "sanitize_html", "upload_token", "upload_tokens_in"]
