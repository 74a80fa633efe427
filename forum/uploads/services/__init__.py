"""Uploads: taking files in, what uses them, reading them, collecting the unused ones."""

from .collector import collect_orphans
from .intake import Accepted, accept_upload, image_rejection_message, markdown_for, store_files, url_name
from .reading import Readable, readable_upload
from .references import link_for, readable_uploads, record_post_files, resolver_for, set_single_reference, url_hash
from .remote_images import JOB as DOWNLOAD_JOB
from .remote_images import download_for_post, queue_download
from .store import (
    AVATAR_SIZES,
    BRAND_VARIANTS,
    avatar_key,
    avatar_path,
    brand_key,
    file_path,
    file_storage,
    install_storage,
    keys_of,
    main_key,
    new_token,
    thumbnail_key,
    thumbnail_path,
)

__all__ = ["AVATAR_SIZES", "BRAND_VARIANTS", "DOWNLOAD_JOB", "Accepted", "Readable", "accept_upload", "avatar_key",
           "avatar_path", "brand_key", "collect_orphans", "download_for_post", "file_path", "file_storage",
           "image_rejection_message", "install_storage", "keys_of", "link_for", "main_key", "markdown_for",
           "new_token", "queue_download", "readable_upload", "readable_uploads", "record_post_files", "resolver_for",
           "set_single_reference", "store_files", "thumbnail_key", "thumbnail_path", "url_hash", "url_name"]
