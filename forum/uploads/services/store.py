"""Where an upload's bytes live: the app's one storage, the keys of each file, its site paths.

Keys derive from the token (``images/ab/<token>.jpg``; tokens are 32 lower-case hex digits, 128
random bits), so a row and its files always agree and nothing about the member (name, content)
shows in storage. The two-letter fan-out keeps directories small on the local filesystem.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app

from forum.uploads.models import Upload, UploadKind
from forum.uploads.storage import FileStorage, storage_from_config

_EXTENSION_KEY = "forum.uploads.storage"
AVATAR_SIZES = (48, 96, 240)
# A favicon's extra files (variant -> extension); a logo or social image has only its main file.
BRAND_VARIANTS = {"ico": "ico", "png180": "png", "png192": "png", "png512": "png"}


def install_storage(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = storage_from_config(app.config, app.instance_path)


def file_storage() -> FileStorage:
    return current_app.extensions[_EXTENSION_KEY]  # type: ignore[no-any-return]


def new_token() -> str:
    return secrets.token_hex(16)


def _shard(token: str) -> str:
    return token[:2]


def main_key(upload: Upload) -> str:
    """The served file: the re-encoded image or the attachment."""
    folder = "files" if upload.kind == UploadKind.ATTACHMENT else "images"
    extension = upload.url_name.rsplit(".", 1)[-1].lower()
    return f"{folder}/{_shard(upload.token)}/{upload.token}.{extension}"


def thumbnail_key(upload: Upload) -> str:
    return f"thumbnails/{_shard(upload.token)}/{upload.token}.webp"


def avatar_key(token: str, size: int) -> str:
    return f"avatars/{_shard(token)}/{token}-{size}.webp"


def brand_key(token: str, variant: str, extension: str) -> str:
    return f"brand/{_shard(token)}/{token}-{variant}.{extension}"


def keys_of(upload: Upload) -> list[str]:
    """Every stored file of an upload (for the collector)."""
    if upload.kind == UploadKind.AVATAR:
        return [avatar_key(upload.token, size) for size in AVATAR_SIZES]
    if upload.kind == UploadKind.BRAND:
        return [main_key(upload)] + [brand_key(upload.token, v, e) for v, e in BRAND_VARIANTS.items()]
    keys = [main_key(upload)]
    if upload.thumbnail_width:
        keys.append(thumbnail_key(upload))
    return keys


# --- site paths: the one place they are built -----------------------------------------------------

def file_path(upload: Upload) -> str:
    """The site path of an upload's served file; cooked posts keep it (see forum.markup.uploads)."""
    return f"/uploads/{upload.token}/{upload.url_name}"


def thumbnail_path(token: str) -> str:
    return f"/uploads/thumbnails/{token}.webp"


def avatar_path(token: str, size: int) -> str:
    return f"/uploads/avatars/{token}/{size}.webp"
