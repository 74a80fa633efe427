"""Brand assets (Admin -> Brand): the logo, the favicon and the social sharing image, uploaded
through the form, re-encoded, served publicly, and used by the page head, the header, mail, the
web app manifest and /favicon.ico; robots.txt keeps crawlers out of private areas."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from forum.errors import PermissionDenied
from forum.extensions import db
from forum.settings import get_setting, set_setting
from forum.uploads import brand
from forum.uploads.brand_views import PRIVATE_PATHS
from forum.uploads.models import ReferenceKind, Upload, UploadKind, UploadReference
from tests.accounts.helpers import FAST_HASH
from tests.factories import make_user
from tests.uploads import image_samples as samples

STATIC_FAVICON = Path(__file__).resolve().parents[2] / "forum" / "static" / "favicon.ico"
TEXT_FIELDS = {"community_name": "", "community_tagline": "", "logo_url": "", "brand_primary": "",
               "brand_accent": "", "theme": ""}
SVG_MESSAGE = "SVG images cannot be uploaded (they can carry scripts). Please upload a PNG or JPEG."


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


@pytest.fixture
def admin(client: Any) -> Any:
    user = make_user("boss", role="admin")
    client.login("boss")
    return user


def post_brand(client: Any, files: dict[str, tuple[bytes, str]] | None = None, **fields: str) -> Any:
    """The Admin -> Brand form as a browser sends it: every text field, the chosen files."""
    data: dict[str, Any] = {"csrf_token": client.csrf_token(), **TEXT_FIELDS, **fields}
    for which, (content, name) in (files or {}).items():
        data[which] = (io.BytesIO(content), name)
    return client.post("/admin/brand", data=data, content_type="multipart/form-data")


def uploaded(client: Any, which: str, content: bytes, name: str = "brand.png", **fields: str) -> str:
    """Upload one asset through the form; its token."""
    response = post_brand(client, {which: (content, name)}, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    token = get_setting(f"brand_{which}_token")
    assert isinstance(token, str) and len(token) == 32
    return token


def png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def opened(response: Any) -> Image.Image:
    assert response.status_code == 200, response.status_code
    image = Image.open(io.BytesIO(response.get_data()))
    image.load()
    return image


def rgba_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.convert("RGBA").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def page(client: Any, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def meta(text: str, attribute: str, name: str) -> str | None:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', text)
    return html.unescape(found.group(1)) if found else None


# --- the favicon ---------------------------------------------------------------------------------------

def test_before_any_upload_the_site_serves_its_default_favicon(client):
    response = client.get("/favicon.ico")
    assert response.mimetype == "image/x-icon"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.get_data() == STATIC_FAVICON.read_bytes()
    icon = opened(response)
    assert icon.format == "ICO" and sorted(icon.info["sizes"]) == [(16, 16), (32, 32), (48, 48)]
    assert client.get("/apple-touch-icon.png").status_code == 404
    head = page(client)
    assert '<link rel="icon" href="/favicon.ico">' in head
    assert "apple-touch-icon" not in head
    assert '<link rel="manifest" href="/manifest.webmanifest">' in head


def test_an_admin_uploads_a_favicon_and_every_icon_comes_from_it(client, admin):
    # 600 x 400: cropped to the centre square (green and yellow on the right, red and blue on the left).
    token = uploaded(client, "favicon", png(samples.quadrant_picture(600, 400)), "Our icon.png")
    client.post_form("/logout")  # what every visitor (and a shared cache) gets
    response = client.get("/favicon.ico")
    assert response.mimetype == "image/x-icon"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.get_data() != STATIC_FAVICON.read_bytes()
    icon = opened(response)
    assert icon.format == "ICO" and sorted(icon.info["sizes"]) == [(16, 16), (32, 32), (48, 48)]
    assert rgba_at(icon, (2, 2))[:3] == samples.RED and rgba_at(icon, (45, 45))[:3] == samples.YELLOW

    touch = opened(client.get("/apple-touch-icon.png"))
    assert touch.format == "PNG" and touch.size == (180, 180)

    head = page(client)
    assert f'<link rel="icon" href="/favicon.ico?v={token[:8]}">' in head  # a new URL per upload: no stale tab icon
    assert f'<link rel="apple-touch-icon" href="/brand/{token}/png180.png">' in head

    row = db.session.scalar(select(Upload).where(Upload.token == token))
    assert row is not None and row.kind == UploadKind.BRAND and row.original_name == "Our icon.png"
    assert (row.width, row.height, row.url_name) == (512, 512, "favicon.png")
    assert opened(client.get(f"/brand/{token}/favicon.png")).size == (512, 512)
    references = db.session.execute(select(UploadReference.target_kind, UploadReference.target_id)
                                    .where(UploadReference.upload_id == row.id)).all()
    assert references == [(ReferenceKind.BRAND, brand.REFERENCE_TARGETS["favicon"])]


def test_removing_the_favicon_brings_back_the_default(client, admin):
    token = uploaded(client, "favicon", png(samples.quadrant_picture(64, 64)))
    admin_page = page(client, "/admin/brand")
    assert f'<img src="/brand/{token}/favicon.png" alt="The current favicon"' in admin_page  # the preview
    assert 'form="remove-favicon"' in admin_page  # the button submits its own small form (forms cannot nest)
    assert '<form id="remove-favicon" method="post" action="/admin/brand/favicon/remove" hidden>' in admin_page
    response = client.post_form("/admin/brand/favicon/remove")
    assert response.status_code == 302
    assert get_setting("brand_favicon_token") is None
    assert client.get("/favicon.ico").get_data() == STATIC_FAVICON.read_bytes()
    assert client.get("/apple-touch-icon.png").status_code == 404
    assert "apple-touch-icon" not in page(client)
    row = db.session.scalar(select(Upload).where(Upload.token == token))
    assert row is not None and row.collected_at is None  # the collector removes it after the grace period
    assert not db.session.scalar(select(func.count()).select_from(UploadReference)
                                 .where(UploadReference.upload_id == row.id))


# --- the logo --------------------------------------------------------------------------------------------

def test_the_uploaded_logo_is_shown_instead_of_the_logo_url_and_removing_it_falls_back(client, admin):
    token = uploaded(client, "logo", samples.transparent_png(1024, 256), logo_url="/static/old-logo.svg")
    header = page(client)
    assert f'<img src="/brand/{token}/logo.png" alt="" class="brand-logo" width="512" height="128">' in header
    assert "old-logo.svg" not in header
    logo = opened(client.get(f"/brand/{token}/logo.png"))
    assert logo.format == "PNG" and logo.size == (512, 128)
    assert logo.mode == "RGBA" and rgba_at(logo, (500, 64))[3] == 0  # the transparent half stays transparent

    client.post_form("/admin/brand/logo/remove")
    header = page(client)
    assert f"/brand/{token}/" not in header
    assert '<img src="/static/old-logo.svg" alt="" class="brand-logo">' in header


def test_mail_shows_the_uploaded_logo_at_an_absolute_address(client, admin, app):
    from forum.mail.compose import brand as mail_brand

    token = uploaded(client, "logo", samples.transparent_png(400, 100))
    # As a job renders it: no request, the address from FORUM_PUBLIC_URL.
    html_part = app.jinja_env.get_template("mail/base.html").render(brand=mail_brand(), lang="en", subject="Hello")
    assert f'<img src="http://forum.test/brand/{token}/logo.png" alt="" width="128" height="32"' in html_part


# --- the social sharing image ----------------------------------------------------------------------------

def test_pages_share_the_social_image_at_an_absolute_address(client, admin):
    before = page(client, "/latest")
    assert meta(before, "property", "og:image") is None
    assert meta(before, "name", "twitter:card") == "summary"
    token = uploaded(client, "social", jpeg(samples.quadrant_picture(2400, 1260)), "share.jpg")
    shared = page(client, "/latest")
    assert meta(shared, "property", "og:image") == f"http://forum.test/brand/{token}/social.jpg"
    assert (meta(shared, "property", "og:image:width"), meta(shared, "property", "og:image:height")) == ("1200",
                                                                                                          "630")
    assert meta(shared, "name", "twitter:card") == "summary_large_image"
    assert meta(shared, "property", "og:url") == "http://forum.test/latest"
    served = client.get(f"/brand/{token}/social.jpg")
    assert opened(served).size == (1200, 630) and served.mimetype == "image/jpeg"
    assert served.headers["Cross-Origin-Resource-Policy"] == "cross-origin"  # social networks and webmail fetch it
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    client.post_form("/admin/brand/social/remove")
    assert meta(page(client, "/latest"), "property", "og:image") is None


def test_open_graph_names_the_site_and_the_page(client):
    set_setting("community_name", "Moka Lab")
    db.session.commit()
    latest = page(client, "/latest")
    assert meta(latest, "property", "og:site_name") == "Moka Lab"
    assert meta(latest, "property", "og:title") not in (None, "", "Moka Lab")  # the page's own title
    assert meta(page(client, "/"), "property", "og:url") == "http://forum.test/"


def test_brand_files_are_public_and_cached_a_day(client, admin):
    token = uploaded(client, "logo", samples.transparent_png())
    client.post_form("/logout")
    served = client.get(f"/brand/{token}/logo.png")
    assert served.status_code == 200
    assert served.headers["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize("path", ["logo.jpg", "social.png", "ico.png", "png999.png", "favicon.ico"])
def test_only_the_files_a_brand_upload_has_are_served(client, admin, path):
    token = uploaded(client, "logo", samples.transparent_png())
    assert client.get(f"/brand/{token}/{path}").status_code == 404
    assert client.get(f"/brand/{'f' * 32}/logo.png").status_code == 404


# --- refusals and permissions ----------------------------------------------------------------------------

def test_an_svg_is_refused_with_its_reason_and_nothing_changes(client, admin):
    response = post_brand(client, {"logo": (samples.svg_bytes(), "logo.svg")})
    assert response.status_code == 400
    assert html.escape(SVG_MESSAGE, quote=False) in response.get_data(as_text=True)
    assert get_setting("brand_logo_token") is None
    assert not db.session.scalar(select(func.count()).select_from(Upload))


def test_one_refused_image_does_not_undo_the_others(client, admin):
    response = post_brand(client, {"logo": (b"not an image at all", "logo.png"),
                                   "favicon": (png(samples.quadrant_picture(64, 64)), "icon.png")})
    assert response.status_code == 400
    assert 'id="logo-error"' in response.get_data(as_text=True)
    assert get_setting("brand_logo_token") is None and get_setting("brand_favicon_token")


def test_the_staff_file_size_limit_applies(client, admin):
    set_setting("uploads_max_file_mb_staff", 1)
    db.session.commit()
    too_big = samples.transparent_png() + b"\0" * (1536 * 1024)
    response = post_brand(client, {"social": (too_big, "huge.png")})
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.get_data(as_text=True)


def test_the_form_takes_an_image_larger_than_the_site_wide_request_limit(client, admin, app):
    noise = Image.merge("RGB", [Image.effect_noise((1100, 1000), 120).convert("L") for _ in range(3)])
    large = png(noise)
    assert len(large) > app.config["MAX_CONTENT_LENGTH"]
    token = uploaded(client, "social", large, "noise.png")
    assert opened(client.get(f"/brand/{token}/social.jpg")).size == (1100, 1000)


def test_members_and_visitors_cannot_change_the_brand(client, app):
    make_user("anna")
    client.login("anna")
    assert client.get("/admin/brand").status_code == 403
    assert post_brand(client, {"logo": (samples.transparent_png(), "logo.png")}).status_code == 403
    assert client.post_form("/admin/brand/logo/remove").status_code == 403
    client.post_form("/logout")
    assert client.get("/admin/brand").status_code == 404
    assert not db.session.scalar(select(func.count()).select_from(Upload))
    member = make_user("bruno", role="moderator")
    with app.test_request_context("/"), pytest.raises(PermissionDenied):
        brand.save_brand_asset(member, "logo", "logo.png", samples.transparent_png())
    with app.test_request_context("/"), pytest.raises(PermissionDenied):
        brand.remove_brand_asset(member, "logo")


def test_a_replaced_asset_loses_its_reference_and_the_change_is_audited(client, admin):
    from forum.audit import AuditLog

    first = uploaded(client, "logo", samples.transparent_png(), "first.png")
    second = uploaded(client, "logo", samples.transparent_png(), "second.png")
    assert first != second
    referenced = set(db.session.scalars(select(Upload.token).join(UploadReference,
                                                                   UploadReference.upload_id == Upload.id)))
    assert referenced == {second}
    entries = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "settings.brand")
                                      .order_by(AuditLog.id)))
    assert [(e.before, e.after) for e in entries] == [({"brand_logo": None}, {"brand_logo": "first.png"}),
                                                      ({"brand_logo": "first.png"}, {"brand_logo": "second.png"})]


# --- the manifest and robots.txt -------------------------------------------------------------------------

def test_the_manifest_names_the_community_and_lists_the_uploaded_icons(client, admin):
    set_setting("community_name", "Moka Lab Community")
    set_setting("brand_primary", "#12ab34")
    db.session.commit()
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["name"] == "Moka Lab Community" and manifest["short_name"] == "Moka"
    assert (manifest["start_url"], manifest["display"], manifest["lang"]) == ("/", "standalone", "en")
    assert manifest["theme_color"] == manifest["background_color"] == "#12ab34"
    assert [icon["src"] for icon in manifest["icons"]] == ["/favicon.ico"]
    assert meta(page(client), "name", "theme-color") == "#12ab34"

    token = uploaded(client, "favicon", png(samples.quadrant_picture(300, 300)),
                     community_name="Moka Lab Community", brand_primary="#12ab34")
    manifest = json.loads(client.get("/manifest.webmanifest").get_data())
    assert [(icon["src"], icon["sizes"], icon["type"]) for icon in manifest["icons"]] == [
        (f"/brand/{token}/png192.png", "192x192", "image/png"), (f"/brand/{token}/png512.png", "512x512", "image/png")]
    for icon in manifest["icons"]:
        side = int(icon["sizes"].split("x")[0])
        assert opened(client.get(icon["src"])).size == (side, side)


def test_robots_keeps_crawlers_out_of_private_areas_only(client, app):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = [line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow: ")]
    for private in ("/admin", "/moderation", "/review", "/notifications", "/settings", "/search", "/email/"):
        assert private in disallowed
    assert not any(line.startswith("Sitemap:") for line in lines)  # the site has no sitemap (yet)

    def blocked(path: str) -> bool:
        return any(re.match(re.escape(rule).replace(r"\*", ".*"), path) for rule in disallowed)

    for public in ("/", "/latest", "/c/general", "/t/hello/1", "/u/anna", "/events", "/events/1/meetup",
                   f"/uploads/{'a' * 32}/photo.jpg", f"/brand/{'a' * 32}/logo.png", "/favicon.ico",
                   "/code-of-conduct", "/calendar.ics"):
        assert not blocked(public), public
    # Every line names something the site has (a renamed route must not leave a stale line).
    samples_of_routes = [re.sub(r"<[^>]+>", "1", rule.rule) for rule in app.url_map.iter_rules()]
    for rule in disallowed:
        assert any(re.match(re.escape(rule).replace(r"\*", ".*"), path) for path in samples_of_routes), rule
    assert set(disallowed) == set(PRIVATE_PATHS)


def test_robots_lists_the_sitemap_at_the_public_address_when_there_is_one(app, database_url, tmp_path):
    from tests.conftest import make_app

    # An app of its own: a route cannot be added to one that has served requests.
    site = make_app(database_url, tmp_path, PUBLIC_URL="https://community.example.org/", SERVER_NAME=None)
    site.add_url_rule("/sitemap.xml", "sitemap", lambda: "<urlset/>")
    try:
        text = site.test_client().get("/robots.txt", headers={"Host": "community.example.org"}).get_data(
            as_text=True)
    finally:
        with site.app_context():
            db.engine.dispose()
    assert text.endswith("\nSitemap: https://community.example.org/sitemap.xml\n")


# --- cost ---------------------------------------------------------------------------------------------------

def test_brand_assets_add_no_query_to_a_page(client, admin, count_queries):
    def statements() -> int:
        client.get("/latest")
        with count_queries() as q:
            assert client.get("/latest").status_code == 200
        return q.count

    plain = statements()
    for which, content in (("logo", samples.transparent_png()), ("favicon", png(samples.quadrant_picture(64, 64))),
                           ("social", jpeg(samples.quadrant_picture(120, 63)))):
        uploaded(client, which, content)
    assert statements() == plain
    head = page(client, "/latest")
    assert "/brand/" in head and meta(head, "property", "og:image")
