"""Brand assets: the logo, the favicon and the social-share image an admin uploads (Admin -> Brand).

Policy
------
* **Admins only** (:class:`PermissionDenied` for anyone else); one file may be as large as the
  staff limit of Admin -> Uploads (``uploads_max_file_mb_staff``).
* **Re-encoded like every upload** (:mod:`forum.uploads.images`; SVG and other refusals are
  worded by :func:`image_rejection_message`):

  - logo: at most :data:`LOGO_MAX_SIDE` pixels a side, transparency kept (PNG), shown in the
    header and in mail;
  - social image: at most :data:`SOCIAL_MAX_SIDE` pixels a side (Open Graph's recommended
    1200 x 630 passes unchanged), the ``og:image`` of every page;
  - favicon: centre-cropped square, a 16/32/48 ICO (``/favicon.ico``) and 180/192/512 PNGs
    (apple-touch-icon, web app manifest); its main file is the 512 PNG.

* **The current files are settings**, not queries: ``brand_<which>_token`` names the upload,
  and for the logo and the social image ``brand_<which>_file`` keeps the served extension and
  size, so a page builds every URL (and ``width``/``height``) from the cached settings without
  reading ``uploads``. The setting, the file's :class:`UploadReference` (``brand``, target
  :data:`REFERENCE_TARGETS`) and the audit entry change in one transaction.
* **A replaced or removed file** loses its reference: from then on only admins (staff) read it,
  and the collector removes its bytes after the grace period. A mail already sent with the old
  logo shows none from then on (a removed logo must not live on in the brand's name).
* Served publicly by :mod:`forum.uploads.brand_views`; every new file has a new token, hence
  a new URL, so a day of caching never shows the old logo after a change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal, get_args

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.accounts.models import User
from forum.accounts.permissions import can_administer
from forum.audit import AuditVocabulary, record_action
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import all_settings, get_setting, set_setting

from . import images
from .limits import MAX_PIXELS, human_size, limits_for
from .models import ReferenceKind, Upload, UploadKind
from .services import (
    BRAND_VARIANTS,
    brand_key,
    display_name,
    image_rejection_message,
    main_key,
    new_token,
    set_single_reference,
    store_files,
    url_name,
)

BrandAsset = Literal["logo", "favicon", "social"]
ASSETS: tuple[BrandAsset, ...] = get_args(BrandAsset)
# UploadReference(target_kind="brand").target_id of each asset.
REFERENCE_TARGETS: dict[BrandAsset, int] = {"logo": 0, "favicon": 1, "social": 2}
LOGO_MAX_SIDE = 512
SOCIAL_MAX_SIDE = 1200  # Open Graph recommends 1200 x 630
FAVICON_MAIN_VARIANT = "png512"
AUDIT_ACTION = "settings.brand"  # admin's "Changed the brand"; the fields are named here


def token_setting(which: BrandAsset) -> str:
    return f"brand_{which}_token"


def file_setting(which: BrandAsset) -> str:
    """The served main file of a logo or social image: {"ext", "width", "height"}."""
    return f"brand_{which}_file"


DEFAULTS: dict[str, Any] = {
    **{token_setting(which): None for which in ASSETS},
    file_setting("logo"): None,
    file_setting("social"): None,
}

VOCABULARY = AuditVocabulary(fields={"brand_logo": _l("Logo image"), "brand_favicon": _l("Favicon"),
                                     "brand_social": _l("Social sharing image")})


@dataclass(frozen=True)
class CurrentAsset:
    """A brand asset as the settings name it: enough to build its URLs without a query."""

    which: BrandAsset
    token: str
    extension: str         # of the main file: png, jpg, gif, webp
    width: int | None
    height: int | None

    @property
    def main_name(self) -> str:
        """The main file's name in its URL (``logo.png``): the upload's ``url_name``."""
        return f"{self.which}.{self.extension}"


def current_asset(which: BrandAsset, settings: dict[str, Any] | None = None) -> CurrentAsset | None:
    """The asset in use, from the (request-cached) settings; None when none is uploaded."""
    values = settings if settings is not None else all_settings()
    token = values.get(token_setting(which))
    if not isinstance(token, str) or not token:
        return None
    if which == "favicon":
        size = images.ICON_PNG_SIZES[FAVICON_MAIN_VARIANT]
        return CurrentAsset(which, token, BRAND_VARIANTS[FAVICON_MAIN_VARIANT], size, size)
    served = values.get(file_setting(which))
    if not isinstance(served, dict) or not served.get("ext"):
        return None
    return CurrentAsset(which, token, str(served["ext"]), _dimension(served.get("width")),
                        _dimension(served.get("height")))


def _dimension(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


# --- changing the assets ---------------------------------------------------------------------------

def save_brand_asset(admin: User, which: BrandAsset, filename: str, data: bytes) -> Upload:
    """Make ``data`` the community's ``which``; the new Upload. Raises PermissionDenied, or
    ValidationFailed({which: message}) in the admin's language."""
    if not can_administer(admin):
        raise PermissionDenied()
    if which not in ASSETS:
        raise ValueError(f"unknown brand asset {which!r}")
    _check_size(admin, which, len(data))
    try:
        upload, files = _processed(admin, which, filename, data)
    except images.ImageRejected as exc:
        raise ValidationFailed({which: image_rejection_message(exc)}) from exc
    store_files(upload, files)  # commits the row: unreferenced until the lines below commit
    previous = _previous_name(which)
    set_setting(token_setting(which), upload.token)
    if which != "favicon":
        set_setting(file_setting(which), {"ext": upload.url_name.rsplit(".", 1)[-1], "width": upload.width,
                                          "height": upload.height})
    set_single_reference(ReferenceKind.BRAND, REFERENCE_TARGETS[which], upload.id)
    record_action(admin, AUDIT_ACTION, "settings", None, before={f"brand_{which}": previous},
                  after={f"brand_{which}": upload.original_name})
    db.session.commit()
    return upload


def remove_brand_asset(admin: User, which: BrandAsset) -> bool:
    """Stop using the uploaded ``which`` (the site falls back to its default); whether one was
    in use. The file itself is collected after the grace period."""
    if not can_administer(admin):
        raise PermissionDenied()
    if which not in ASSETS:
        raise ValueError(f"unknown brand asset {which!r}")
    if not get_setting(token_setting(which)):
        return False
    previous = _previous_name(which)
    set_setting(token_setting(which), None)
    if which != "favicon":
        set_setting(file_setting(which), None)
    set_single_reference(ReferenceKind.BRAND, REFERENCE_TARGETS[which], None)
    record_action(admin, AUDIT_ACTION, "settings", None, before={f"brand_{which}": previous},
                  after={f"brand_{which}": None})
    db.session.commit()
    return True


def _check_size(admin: User, which: BrandAsset, size: int) -> None:
    limit = limits_for(admin).max_file_bytes
    if size > limit:
        raise ValidationFailed({which: _("This image is %(size)s; the limit is %(limit)s.", size=human_size(size),
                                         limit=human_size(limit))})
    if size == 0:
        raise ValidationFailed({which: _("This file is empty.")})


def _processed(admin: User, which: BrandAsset, filename: str,
               data: bytes) -> tuple[Upload, dict[str, tuple[bytes, str]]]:
    """The Upload row (not yet stored) and its files by storage key. Raises ImageRejected."""
    token = new_token()
    if which == "favicon":
        icons = images.icon_set(data, max_pixels=MAX_PIXELS)
        main = icons[FAVICON_MAIN_VARIANT]
        files = {brand_key(token, variant, extension): (icons[variant].data, icons[variant].content_type)
                 for variant, extension in BRAND_VARIANTS.items()}
        animated = False
    else:
        processed = images.process_image(data, max_side=LOGO_MAX_SIDE if which == "logo" else SOCIAL_MAX_SIDE,
                                         max_pixels=MAX_PIXELS)
        main, animated, files = processed.web, processed.animated, {}
    upload = Upload(token=token, user_id=admin.id, kind=UploadKind.BRAND, original_name=display_name(filename, "image"),
                    url_name=url_name(which, main.extension), content_type=main.content_type, size=len(main.data),
                    width=main.width, height=main.height, animated=animated,
                    sha256=hashlib.sha256(main.data).hexdigest())
    files[main_key(upload)] = (main.data, main.content_type)
    return upload, files


def _previous_name(which: BrandAsset) -> str | None:
    """The file name of the asset in use (for the audit entry), None when there is none."""
    token = get_setting(token_setting(which))
    if not token:
        return None
    return db.session.scalar(select(Upload.original_name).where(Upload.token == token)) or str(token)
