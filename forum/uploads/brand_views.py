"""The brand on the web: ``/favicon.ico``, ``/apple-touch-icon.png``, the web app manifest,
``robots.txt``, the brand files themselves, and what the page head needs (``brand_assets()``).

Policy
------
* **Public and cached a day** (``public, max-age=86400``; a signed-in member's copy is made
  ``private`` by :mod:`forum.web_security`): brand files are for everyone, and a new upload has a
  new URL. They are served like every upload (``nosniff``, the files' sandboxing CSP) but with
  ``Cross-Origin-Resource-Policy: cross-origin``, since webmail shows the logo from another
  site and social networks fetch the share image.
* **Without uploads the site still has a favicon**: ``forum/static/favicon.ico`` (a circle in
  the default brand colour with a white "C", 16/32/48 px). Without an uploaded favicon
  ``/apple-touch-icon.png`` is a 404 and the manifest lists that ICO.
* **robots.txt** keeps crawlers out of what is personal or administrative (:data:`PRIVATE_PATHS`:
  admin, moderation and review, notifications, settings, bookmarks, drafts, search, sign-in
  and account links, personal calendars) and lists a sitemap only when the site has one.
  Every absolute URL comes from ``FORUM_PUBLIC_URL`` (:mod:`forum.urls`), never the request.
* **No query for a page**: ``brand_assets()`` reads the request-cached settings only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request, send_from_directory, url_for
from flask_login import current_user

from forum import web_input
from forum.accounts.permissions import can_administer
from forum.audit import AuditVocabulary
from forum.errors import NotFound
from forum.i18n_content import default_language
from forum.registry import contribute
from forum.settings import all_settings, register_defaults
from forum.themes import DEFAULT_PRIMARY, brand_colors
from forum.urls import external_url, public_url

from . import brand, services
from .brand import ASSETS, CurrentAsset, current_asset
from .limits import MB, limits_for
from .models import UploadKind
from .services.store import BRAND_VARIANTS, brand_key
from .views import FILE_CSP

bp = Blueprint("brand", __name__)

# A brand file's address changes with each upload (a new token), so it may be kept a day; a
# replaced one stops being served at once (caches may keep it that day).
BRAND_MAX_AGE = 86400
PUBLIC_CACHE = f"public, max-age={BRAND_MAX_AGE}"
DESCRIPTOR_CACHE = "public, max-age=3600"  # manifest, robots.txt: a renamed community shows within the hour
DEFAULT_FAVICON = "favicon.ico"  # in the app's static folder
VARIANT_TYPES = {"ico": "image/x-icon", "png": "image/png"}
SHORT_NAME_MAX = 12  # longer short names are cut by launchers (Chrome's guidance)
# Areas crawlers have no business in: personal, administrative, or links carrying a token.
# Prefixes as robots.txt matches them (RFC 9309; "*" is any run of characters).
PRIVATE_PATHS = (
    "/admin", "/moderation", "/review", "/staff/", "/notifications", "/settings", "/bookmarks", "/drafts/",
    "/new", "/unread", "/preview", "/posts/", "/search", "/login", "/register", "/password/", "/verify/",
    "/email/", "/events/new", "/events/calendar", "/events/feed/", "/events/*/attendees", "/t/*/read.gif",
)
SITEMAP_PATH = "/sitemap.xml"
# The Admin -> Brand form carries up to three images.
ADMIN_BRAND_ENDPOINT = "admin.brand"
FORM_ALLOWANCE = 256 * 1024


# --- what pages use ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BrandImage:
    url: str
    width: int | None
    height: int | None

    def fitted(self, height: int, max_width: int) -> tuple[int, int] | None:
        """(width, height) shown ``height`` pixels high and at most ``max_width`` wide, aspect
        kept; None when the size is unknown. Mail needs both: Outlook ignores ``width:auto``."""
        if not self.width or not self.height:
            return None
        width = max(1, round(height * self.width / self.height))
        if width > max_width:
            return max_width, max(1, round(max_width * self.height / self.width))
        return width, height


@dataclass(frozen=True)
class BrandAssets:
    icon: str                           # /favicon.ico, with ?v=<token> once uploaded (a new URL per upload)
    logo: BrandImage | None
    favicon: BrandImage | None          # the 512 px PNG (previews)
    apple_touch_icon: str | None        # URL of the 180 px PNG
    social: BrandImage | None
    theme_color: str                    # #rrggbb


def brand_assets(*, external: bool = False) -> BrandAssets:
    """The uploaded brand files' URLs (absolute from FORUM_PUBLIC_URL with ``external``: mail,
    Open Graph) and the theme colour; from the settings only."""
    settings = all_settings()
    assets = {which: current_asset(which, settings) for which in ASSETS}
    favicon = assets["favicon"]
    icon_values: dict[str, Any] = {"v": favicon.token[:8]} if favicon else {}
    return BrandAssets(
        icon=external_url("brand.favicon", **icon_values) if external else url_for("brand.favicon", **icon_values),
        logo=_image(assets["logo"], external),
        favicon=_image(favicon, external),
        apple_touch_icon=_variant_url(favicon, "png180", external) if favicon else None,
        social=_image(assets["social"], external),
        theme_color=brand_colors(settings)[0] or DEFAULT_PRIMARY,
    )


def _url(external: bool, **values: Any) -> str:
    return external_url("brand.file", **values) if external else url_for("brand.file", **values)


def _image(asset: CurrentAsset | None, external: bool) -> BrandImage | None:
    if asset is None:
        return None
    name, extension = asset.main_name.rsplit(".", 1)
    return BrandImage(_url(external, token=asset.token, variant=name, ext=extension), asset.width, asset.height)


def _variant_url(asset: CurrentAsset, variant: str, external: bool = False) -> str:
    return _url(external, token=asset.token, variant=variant, ext=BRAND_VARIANTS[variant])


def page_public_url() -> str:
    """This page's absolute URL from FORUM_PUBLIC_URL (``og:url``), without its query."""
    return public_url(request.path)


# --- routes -------------------------------------------------------------------------------------------

def _stored(key: str, content_type: str, etag: str | None = None) -> Response | None:
    """A stored brand file as a public answer; None when the file is not in storage."""
    try:
        response = services.file_storage().response(key, content_type=content_type, cache_control=PUBLIC_CACHE,
                                                    etag=etag)
    except FileNotFoundError:
        return None
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/brand/<string(length=32):token>/<variant>.<ext>")
def file(token: str, variant: str, ext: str) -> Response:
    """A brand upload's main file (``logo.png``, ``social.jpg``, ``favicon.png``) or one of a
    favicon's variants (``ico.ico``, ``png180.png``...), while it is not collected."""
    try:
        upload = services.readable_upload(current_user, token).upload
    except NotFound:
        abort(404)
    if upload.kind != UploadKind.BRAND:
        abort(404)
    if variant in BRAND_VARIANTS and ext == BRAND_VARIANTS[variant]:
        response = _stored(brand_key(token, variant, ext), VARIANT_TYPES[ext])
    elif f"{variant}.{ext}" == upload.url_name:
        response = _stored(services.main_key(upload), upload.content_type, etag=upload.sha256)
    else:
        abort(404)
    if response is None:
        abort(404)
    return response


@bp.get("/favicon.ico")
def favicon() -> Response:
    asset = current_asset("favicon")
    response = _stored(brand_key(asset.token, "ico", "ico"), VARIANT_TYPES["ico"]) if asset else None
    if response is None:
        response = send_from_directory(current_app.static_folder or "", DEFAULT_FAVICON, mimetype="image/x-icon",
                                       max_age=BRAND_MAX_AGE)
        response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@bp.get("/apple-touch-icon.png")
def apple_touch_icon() -> Response:
    asset = current_asset("favicon")
    response = _stored(brand_key(asset.token, "png180", "png"), VARIANT_TYPES["png"]) if asset else None
    if response is None:
        abort(404)
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: name, colours, icons, language."""
    settings = all_settings()
    name = str(settings.get("community_name") or current_app.config["COMMUNITY_NAME"])
    colour = brand_colors(settings)[0] or DEFAULT_PRIMARY
    favicon_asset = current_asset("favicon", settings)
    if favicon_asset is not None:
        icons = [{"src": _variant_url(favicon_asset, variant), "sizes": f"{size}x{size}", "type": "image/png",
                  "purpose": "any"} for variant, size in (("png192", 192), ("png512", 512))]
    else:
        icons = [{"src": url_for("brand.favicon"), "sizes": "48x48 32x32 16x16", "type": "image/x-icon"}]
    home = (request.script_root or "") + "/"
    body: dict[str, Any] = {"name": name, "short_name": short_name(name), "start_url": home, "scope": home,
                            "display": "standalone", "theme_color": colour, "background_color": colour,
                            "icons": icons, "lang": default_language()}
    tagline = str(settings.get("community_tagline") or "").strip()
    if tagline:
        body["description"] = tagline
    response = current_app.response_class(json.dumps(body, ensure_ascii=False, indent=1),
                                          mimetype="application/manifest+json")
    response.headers["Cache-Control"] = DESCRIPTOR_CACHE
    return response


def short_name(name: str) -> str:
    """The name under an installed app's icon: the name, else its first word, else cut."""
    name = " ".join(name.split())
    if len(name) <= SHORT_NAME_MAX:
        return name
    first = name.split(" ", 1)[0]
    return first if len(first) <= SHORT_NAME_MAX else name[:SHORT_NAME_MAX]


@bp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS)]
    if any(rule.rule == SITEMAP_PATH for rule in current_app.url_map.iter_rules()):
        lines += ["", f"Sitemap: {public_url(SITEMAP_PATH)}"]
    response = current_app.response_class("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Cache-Control"] = DESCRIPTOR_CACHE
    return response


# --- start-up -----------------------------------------------------------------------------------------

def admin_form_request_limit() -> int:
    """The Admin -> Brand form may carry three images of the staff size; others get the usual limit."""
    if current_user.is_authenticated and can_administer(current_user):
        return len(ASSETS) * limits_for(current_user).max_file_bytes + FORM_ALLOWANCE
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 2 * MB)


def init_app(app: Flask) -> None:
    """The brand settings, the audit's field names, and the routes (favicon, manifest, robots.txt,
    brand files) with the Admin -> Brand form's larger request size."""
    register_defaults(app, brand.DEFAULTS)
    contribute(app, AuditVocabulary, brand.VOCABULARY)
    app.register_blueprint(bp)
    web_input.allow_larger_requests(app, ADMIN_BRAND_ENDPOINT, admin_form_request_limit)
    app.add_template_global(brand_assets, "brand_assets")
    app.add_template_global(page_public_url, "page_public_url")

