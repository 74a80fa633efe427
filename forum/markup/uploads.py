"""Files in posts: the ``upload://`` reference and how cooking turns it into a site path.

Policy:

* A post's source names an uploaded file as ``upload://<token>`` (``![photo.jpg](upload://…)``
  for an image, ``[manual.pdf](upload://…)`` for an attachment). The source never holds a
  storage URL, so moving storage (local to S3) or changing how files are served re-cooks
  nothing, and the text a member edits stays short.
* Cooking asks one resolver, once per post, for every ``upload://`` reference and every remote
  image source (``http(s)://`` in ``![…](…)``) it found. The resolver (the uploads domain)
  answers with the site path of the files the writer may use; the path is a route that checks
  permission on every request, so a file follows its post's visibility. References it does not
  answer degrade: an image to its alt text, a link to its text. A remote image the forum has
  downloaded (admin option) is answered with the local copy, so readers' addresses do not leak.
* Cooked images carry ``width``/``height`` (no layout shift while they load) and ``loading=lazy``.
* :class:`forum.markup.Cooked` reports the tokens a post uses (``uploads``; images first in
  ``images``) so the writer records its references in the same transaction, and the remote
  images it left remote (``remote_images``) for the download job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

UPLOAD_SCHEME = "upload://"
# Tokens are random URL-safe strings (forum.uploads makes them); an extension after the token
# is tolerated so a reference may read ``upload://abc….jpg``.
_UPLOAD_REF_RE = re.compile(r"upload://([A-Za-z0-9_-]{16,40})(?:\.[A-Za-z0-9]{1,8})?")
# The site path of a served upload: the one shape an <img src> may have besides http(s). A path
# written into a post's text by hand is read as a reference to its token, like upload://, so the
# resolver decides about it too (references, limits, holds); one it does not answer is dropped.
UPLOAD_PATH_RE = re.compile(r"/uploads/([A-Za-z0-9_-]{16,40})/[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}")
_SITE_PATH_IN_TEXT_RE = re.compile(r"/uploads/([A-Za-z0-9_-]{16,40})/[A-Za-z0-9_-]")
_REMOTE_RE = re.compile(r"https?://", re.IGNORECASE)
MAX_REFERENCES = 200  # per post: a source listing thousands of references resolves only the first ones


@dataclass(frozen=True)
class UploadLink:
    """What the resolver answers for one reference."""

    token: str                 # the upload's token (a remote image answers with its local copy's)
    url: str                   # site path (matches UPLOAD_PATH_RE)
    is_image: bool
    width: int | None = None
    height: int | None = None


# (upload tokens, remote image URLs) -> {token or URL: link}; one call per cooked text.
UploadResolver = Callable[[Sequence[str], Sequence[str]], Mapping[str, UploadLink]]


def upload_token(reference: str) -> str | None:
    """The token of an ``upload://`` reference (or of an upload's site path), None for anything else."""
    reference = reference.strip()
    match = _UPLOAD_REF_RE.fullmatch(reference) or UPLOAD_PATH_RE.fullmatch(reference)
    return match.group(1) if match else None


def upload_tokens_in(source: str) -> list[str]:
    """Every upload token written anywhere in ``source``, as ``upload://`` or as a site path
    (drafts: the collector keeps the files a draft still names; the hold of new members' files),
    in order, once each."""
    found = [(m.start(), m.group(1)) for m in _UPLOAD_REF_RE.finditer(source)]
    found += [(m.start(), m.group(1)) for m in _SITE_PATH_IN_TEXT_RE.finditer(source)]
    return list(dict.fromkeys(token for _at, token in sorted(found)))


@dataclass
class _Found:
    tokens: dict[str, None]
    remote: dict[str, None]
    targets: list[tuple[Token, str, str]]  # (token, attribute, reference)


def _find(tokens: Iterable[Token]) -> _Found:
    found = _Found({}, {}, [])
    for token in tokens:
        if token.type == "image":
            attribute = "src"
        elif token.type == "link_open":
            attribute = "href"
        else:
            continue
        value = str(token.attrGet(attribute) or "")
        if len(found.targets) >= MAX_REFERENCES:
            break
        if (upload := upload_token(value)) is not None:
            found.tokens.setdefault(upload)
            found.targets.append((token, attribute, upload))
        elif attribute == "src" and _REMOTE_RE.match(value):
            found.remote.setdefault(value)
            found.targets.append((token, attribute, value))
    return found


@dataclass(frozen=True)
class Resolved:
    uploads: tuple[str, ...]
    images: tuple[str, ...]
    remote_images: tuple[str, ...]


def resolve_uploads(tokens: Iterable[Token], resolver: UploadResolver | None) -> Resolved:
    """Rewrite ``upload://`` references (and downloaded remote images) in a parsed token stream
    to their site paths, in place; what the post uses."""
    found = _find(tokens)
    if not found.targets:
        return Resolved((), (), ())
    links: Mapping[str, UploadLink] = {}
    if resolver is not None:
        links = resolver(tuple(found.tokens), tuple(found.remote))
    used: dict[str, None] = {}
    images: dict[str, None] = {}
    remote_left: dict[str, None] = {}
    for token, attribute, reference in found.targets:
        link = links.get(reference)
        if link is None or (attribute == "src" and not link.is_image):
            if reference in found.remote:
                remote_left.setdefault(reference)
            else:
                # An upload the writer may not show (or ![x](upload://a-pdf)): it degrades to its
                # text, whichever way it was written.
                token.attrs.pop(attribute, None)
            continue
        token.attrSet(attribute, link.url)
        if attribute == "href" and not link.is_image:
            token.attrSet("class", "attachment")  # drawn as a file to download, not a page link
        used.setdefault(link.token)
        if attribute == "src":
            images.setdefault(link.token)
            if link.width and link.height:
                token.attrSet("width", str(link.width))
                token.attrSet("height", str(link.height))
    return Resolved(tuple(used), tuple(images), tuple(remote_left))

