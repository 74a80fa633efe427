"""forum.uploads.images: every upload is identified by content, bounded, upright and re-encoded clean."""

from __future__ import annotations

import importlib.util
import io
import pickle

import pytest
from PIL import ExifTags, IcoImagePlugin, Image, ImageFile

from forum.uploads import images
from forum.uploads.images import ImageRejected
from tests.uploads import image_samples as samples
from tests.uploads.image_samples import BLUE, FRAME_COLOURS, GREEN, RED, YELLOW

# Where the stored quadrants (red TL, green TR, blue BL, yellow BR) must be SHOWN for each EXIF
# orientation, read off the EXIF specification (where stored row 0 and column 0 are displayed),
# as (top-left, top-right, bottom-left, bottom-right).
UPRIGHT_QUADRANTS = {
    1: (RED, GREEN, BLUE, YELLOW),
    2: (GREEN, RED, YELLOW, BLUE),  # mirrored
    3: (YELLOW, BLUE, GREEN, RED),  # upside down
    4: (BLUE, YELLOW, RED, GREEN),  # flipped
    5: (RED, BLUE, GREEN, YELLOW),  # transposed
    6: (BLUE, RED, YELLOW, GREEN),  # phone held upright, stored rotated: turn 90° clockwise
    7: (YELLOW, GREEN, BLUE, RED),  # transversed
    8: (GREEN, YELLOW, RED, BLUE),  # turn 90° counter-clockwise
}


def opened(encoded: images.Encoded) -> Image.Image:
    picture = Image.open(io.BytesIO(encoded.data))
    assert picture.format == encoded.format
    assert picture.size == (encoded.width, encoded.height)
    return picture


def close_to(actual: object, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def quadrant_colours(picture: Image.Image) -> tuple[object, ...]:
    """The colour at the centre of each quadrant: top-left, top-right, bottom-left, bottom-right."""
    rgb = picture.convert("RGB")
    width, height = rgb.size
    points = (
        (width // 4, height // 4),
        (3 * width // 4, height // 4),
        (width // 4, 3 * height // 4),
        (3 * width // 4, 3 * height // 4),
    )
    return tuple(rgb.getpixel(point) for point in points)


def assert_quadrants(picture: Image.Image, expected: tuple[tuple[int, int, int], ...]) -> None:
    actual = quadrant_colours(picture)
    assert all(close_to(a, e) for a, e in zip(actual, expected, strict=True)), (actual, expected)


def assert_no_metadata(data: bytes) -> None:
    picture = Image.open(io.BytesIO(data))
    exif = picture.getexif()
    assert len(exif) == 0
    assert len(exif.get_ifd(ExifTags.IFD.GPSInfo)) == 0
    assert not {"exif", "xmp", "comment", "icc_profile", "XML:com.adobe.xmp"} & set(picture.info)
    for leak in (b"Exif\x00\x00", samples.PHONE_MAKE.encode(), samples.PHONE_MODEL.encode()):
        assert leak not in data
    for leak in (samples.PHONE_COMMENT, b"ns.adobe.com", b"xmpmeta", b"<script", b"<html"):
        assert leak not in data


def rejection(data: bytes, **limits: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        images.process_image(data, **limits)
    assert caught.value.code in images.REJECTION_CODES
    return caught.value


# ---------------------------------------------------------------------------------------------
# Orientation and metadata
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("icc", [True, False], ids=["with-icc-profile", "without-icc-profile"])
def test_phone_photo_comes_out_upright_without_any_metadata(icc: bool) -> None:
    data = samples.phone_jpeg(600, 400, orientation=6, icc=icc)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the sample does carry GPS

    processed = images.process_image(data)

    assert processed.source_format == "JPEG"
    assert not processed.animated
    assert (processed.web.format, processed.web.content_type, processed.web.extension) == ("JPEG", "image/jpeg", "jpg")
    web = opened(processed.web)
    assert web.size == (400, 600)  # dimensions swapped: stored landscape, shown portrait
    assert_quadrants(web, UPRIGHT_QUADRANTS[6])
    assert_no_metadata(processed.web.data)
    assert_no_metadata(processed.thumbnail.data)
    assert_quadrants(opened(processed.thumbnail), UPRIGHT_QUADRANTS[6])


@pytest.mark.parametrize("orientation", sorted(UPRIGHT_QUADRANTS))
def test_every_exif_orientation_is_applied(orientation: int) -> None:
    processed = images.process_image(samples.phone_jpeg(64, 48, orientation=orientation, quality=95))

    web = opened(processed.web)
    assert web.size == ((48, 64) if orientation >= 5 else (64, 48))
    assert_quadrants(web, UPRIGHT_QUADRANTS[orientation])
    assert ExifTags.Base.Orientation not in web.getexif()
    assert_no_metadata(processed.web.data)


def test_metadata_of_png_and_webp_uploads_is_dropped_too() -> None:
    for data in (samples.transparent_png(), samples.animated_webp()):
        assert b"Exif" in data or samples.PHONE_MAKE.encode() in data  # the samples carry it
        processed = images.process_image(data)
        assert_no_metadata(processed.web.data)
        assert_no_metadata(processed.thumbnail.data)


# ---------------------------------------------------------------------------------------------
# The type comes from the content
# ---------------------------------------------------------------------------------------------


def test_html_named_jpg_is_not_an_image() -> None:
    assert rejection(samples.html_as_jpg()).code == "not_an_image"
    assert images.sniff_format(samples.html_as_jpg()) is None


def test_text_file_is_not_an_image() -> None:
    assert rejection(samples.text_file()).code == "not_an_image"
    assert rejection(b"").code == "not_an_image"


@pytest.mark.parametrize(
    "data",
    [
        samples.svg_bytes(),
        samples.svg_bytes(prolog=b""),
        samples.svg_bytes(prolog=b"\xef\xbb\xbf  \n"),
        samples.svg_bytes(prolog=b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd">\n'),
        samples.svg_bytes(prolog=b"").decode().encode("utf-16"),
    ],
    ids=["xml-prolog", "bare", "bom-and-whitespace", "doctype", "utf-16"],
)
def test_svg_is_refused_as_svg(data: bytes) -> None:
    assert images.looks_like_svg(data)
    assert rejection(data).code == "svg"


def test_gif_html_polyglot_comes_out_as_a_clean_image() -> None:
    data = samples.gif_html_polyglot()
    assert b"<script" in data and images.sniff_format(data) == "GIF"

    processed = images.process_image(data)

    assert processed.source_format == "GIF"
    assert_no_metadata(processed.web.data)  # includes no "<script" / "<html"
    assert_quadrants(opened(processed.web), samples.QUADRANTS)


def test_truncated_jpeg_is_corrupt() -> None:
    data = samples.truncated_jpeg()
    assert images.sniff_format(data) == "JPEG"  # the header is fine
    assert rejection(data).code == "corrupt"


def test_a_header_that_does_not_parse_is_corrupt_not_a_stranger() -> None:
    assert rejection(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).code == "corrupt"


@pytest.mark.parametrize(
    ("data", "format_name"),
    [(samples.bmp_bytes(), "BMP"), (samples.tiff_bytes(), "TIFF"), (samples.heic_header(), "HEIF")],
    ids=["bmp", "tiff", "heic"],
)
def test_formats_we_do_not_take_are_named(data: bytes, format_name: str) -> None:
    if format_name == "HEIF" and images.HEIF_FORMAT in images.accepted_formats():
        pytest.skip("pillow-heif is registered in this process")
    refused = rejection(data)
    assert (refused.code, refused.params) == ("unsupported_format", {"format": format_name})
    assert images.sniff_format(data) is None


def test_heif_is_accepted_only_with_pillow_heif() -> None:
    installed = importlib.util.find_spec("pillow_heif") is not None
    assert images.register_heif_if_available() is installed
    assert (images.HEIF_FORMAT in images.accepted_formats()) is installed
    assert images.accepted_formats()[: len(images.ACCEPTED_FORMATS) - 1] == images.ACCEPTED_FORMATS[:-1]


@pytest.mark.parametrize(
    ("data", "format_name"),
    [
        (samples.phone_jpeg(), "JPEG"),
        (samples.flat_png(), "PNG"),
        (samples.animated_gif(), "GIF"),
        (samples.animated_webp(), "WEBP"),
    ],
)
def test_sniff_format_names_the_real_type(data: bytes, format_name: str) -> None:
    assert images.sniff_format(data) == format_name


# ---------------------------------------------------------------------------------------------
# Limits, checked before decoding
# ---------------------------------------------------------------------------------------------


def test_png_claiming_100000_squared_is_refused_from_its_header() -> None:
    # Its pixel data is a few bytes: decoding would have said "corrupt", not the size.
    refused = rejection(samples.png_bomb(100_000, 100_000))
    assert (refused.code, refused.params) == (
        "too_many_pixels",
        {"width": 100_000, "height": 100_000, "max_pixels": 50_000_000},
    )
    assert images.sniff_format(samples.png_bomb()) == "PNG"


@pytest.mark.parametrize(
    "data", [samples.png_bomb(10_000, 6_000), samples.jpeg_claiming(10_000, 6_000)], ids=["png", "jpeg"]
)
def test_our_own_pixel_limit_applies_below_pillows(data: bytes) -> None:
    # 60 million pixels: under Pillow's own bomb limits, over ours.
    refused = rejection(data)
    assert (refused.code, refused.params) == (
        "too_many_pixels",
        {"width": 10_000, "height": 6_000, "max_pixels": 50_000_000},
    )


def test_pixel_check_happens_before_load(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    real_load = ImageFile.ImageFile.load

    def recording_load(self: ImageFile.ImageFile) -> object:
        loads.append(str(self.format))
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    assert rejection(samples.phone_jpeg(200, 100), max_pixels=19_999).code == "too_many_pixels"
    assert loads == []
    images.process_image(samples.phone_jpeg(200, 100), max_pixels=20_000)
    assert loads  # the same path does decode when within the limit


def test_gif_claiming_a_huge_screen_is_refused() -> None:
    refused = rejection(samples.gif_bomb())
    assert (refused.code, refused.params["width"], refused.params["height"]) == ("too_many_pixels", 65_535, 65_535)


def test_too_many_frames() -> None:
    refused = rejection(samples.animated_gif(frames=4), max_frames=3)
    assert (refused.code, refused.params) == ("too_many_frames", {"frames": 4, "max_frames": 3})


def test_frames_times_pixels_budget() -> None:
    # 40 x 30 = 1,200 pixels a frame; 6,000 pixels fit 5 frames, the animation has 6.
    refused = rejection(samples.animated_gif(frames=6), max_pixels=6_000)
    assert (refused.code, refused.params) == ("too_many_frames", {"frames": 6, "max_frames": 5})
    assert images.process_image(samples.animated_gif(frames=5), max_pixels=6_000).animated


# ---------------------------------------------------------------------------------------------
# Animations
# ---------------------------------------------------------------------------------------------


def test_animated_gif_stays_animated_and_is_reencoded() -> None:
    data = samples.animated_gif(frames=4, durations=[50, 100, 150, 200], loop=0)
    processed = images.process_image(data)

    assert processed.animated and processed.source_format == "GIF"
    assert (processed.web.format, processed.web.content_type) == ("GIF", "image/gif")
    web = opened(processed.web)
    assert getattr(web, "n_frames", 1) == 4
    assert web.info["loop"] == 0
    durations = []
    for index in range(4):
        web.seek(index)
        durations.append(web.info["duration"])
        assert close_to(web.convert("RGB").getpixel((20, 15)), FRAME_COLOURS[index])
    assert durations == [50, 100, 150, 200]
    assert_no_metadata(processed.web.data)  # the comment is gone
    thumbnail = opened(processed.thumbnail)
    assert thumbnail.format == "WEBP" and getattr(thumbnail, "n_frames", 1) == 1
    assert close_to(thumbnail.convert("RGB").getpixel((20, 15)), FRAME_COLOURS[0])


def test_gif_that_played_once_still_plays_once() -> None:
    web = opened(images.process_image(samples.animated_gif(loop=None)).web)
    assert "loop" not in web.info


def test_transparent_animated_gif_keeps_transparency_in_every_frame() -> None:
    web = opened(images.process_image(samples.animated_gif(frames=3, transparent=True)).web)
    for index in range(3):
        web.seek(index)
        frame = web.convert("RGBA")
        coloured, transparent = ((5, 15), (35, 15)) if index % 2 == 0 else ((35, 15), (5, 15))
        assert close_to(frame.getpixel(coloured), (*FRAME_COLOURS[index], 255))
        assert frame.getpixel(transparent)[3] == 0  # type: ignore[index]


def test_animated_webp_and_apng_stay_animated_in_their_format() -> None:
    for data, format_name in ((samples.animated_webp(frames=3), "WEBP"), (samples.animated_png(frames=3), "PNG")):
        processed = images.process_image(data)
        web = opened(processed.web)
        assert processed.animated and web.format == format_name and getattr(web, "n_frames", 1) == 3
        web.seek(2)
        assert close_to(web.convert("RGB").getpixel((20, 15)), FRAME_COLOURS[2])


# ---------------------------------------------------------------------------------------------
# Output formats and sizes
# ---------------------------------------------------------------------------------------------


def test_transparency_gives_png_with_alpha() -> None:
    processed = images.process_image(samples.transparent_png())
    web = opened(processed.web)
    assert (web.format, web.mode) == ("PNG", "RGBA")
    assert web.getpixel((5, 5)) == (*RED, 255)
    assert web.getpixel((35, 5))[3] == 0  # type: ignore[index]
    thumbnail = opened(processed.thumbnail)
    assert thumbnail.mode == "RGBA" and thumbnail.getpixel((35, 5))[3] == 0  # type: ignore[index]


def test_palette_transparency_gives_png_with_alpha() -> None:
    web = opened(images.process_image(samples.palette_png_with_transparency()).web)
    assert web.mode == "RGBA"
    assert web.getpixel((35, 5))[3] == 0  # type: ignore[index]
    assert close_to(web.getpixel((5, 5)), (*RED, 255))


def test_opaque_format_choice() -> None:
    assert images.process_image(samples.photo_png()).web.format == "JPEG"
    assert images.process_image(samples.cmyk_jpeg()).web.format == "JPEG"
    # A lossless upload with few colours (diagram, logo, flat screenshot) stays lossless.
    flat = images.process_image(samples.flat_png())
    assert flat.web.format == "PNG"
    assert opened(flat.web).mode == "RGB"  # the unused alpha channel is dropped
    assert images.process_image(samples.rgba_png_all_opaque()).web.format == "PNG"
    assert opened(images.process_image(samples.rgba_png_all_opaque()).web).mode == "RGB"


def test_colour_modes_are_converted_not_clipped() -> None:
    cmyk = opened(images.process_image(samples.cmyk_jpeg(64, 48)).web)
    assert_quadrants(cmyk, samples.QUADRANTS)
    grey = opened(images.process_image(samples.grey16_png(0x8000)).web)
    assert close_to(grey.getpixel((4, 4)), (128, 128, 128), tolerance=2)
    grey_alpha = opened(images.process_image(samples.grey_alpha_png()).web)
    assert grey_alpha.getpixel((4, 4)) == (200, 200, 200, 100)


def test_long_side_is_limited_and_never_upscaled() -> None:
    big = images.process_image(samples.phone_jpeg(3000, 1000, orientation=1), max_side=1000)
    assert (big.web.width, big.web.height) == (1000, 333)
    assert_quadrants(opened(big.web), samples.QUADRANTS)
    small = images.process_image(samples.phone_jpeg(100, 50, orientation=1), max_side=1000)
    assert (small.web.width, small.web.height) == (100, 50)
    assert (small.thumbnail.width, small.thumbnail.height) == (100, 50)


def test_large_jpeg_decoded_at_reduced_scale_keeps_geometry_and_colours() -> None:
    processed = images.process_image(samples.phone_jpeg(4000, 3000, orientation=8), max_side=500)
    web = opened(processed.web)
    assert web.size == (375, 500)
    assert_quadrants(web, UPRIGHT_QUADRANTS[8])


def test_thumbnail_is_webp_within_bounds_keeping_aspect() -> None:
    processed = images.process_image(samples.phone_jpeg(1200, 800, orientation=1), thumbnail_side=320)
    thumbnail = processed.thumbnail
    assert (thumbnail.format, thumbnail.content_type, thumbnail.extension) == ("WEBP", "image/webp", "webp")
    assert (thumbnail.width, thumbnail.height) == (320, 213)
    assert_quadrants(opened(thumbnail), samples.QUADRANTS)


# ---------------------------------------------------------------------------------------------
# Avatars and brand icons
# ---------------------------------------------------------------------------------------------


def test_square_image_centre_crop() -> None:
    # 300 x 100: the centred 100-pixel square is the middle third, split red | green on top.
    avatars = images.square_image(samples.phone_jpeg(300, 100, orientation=1), sizes=(48, 96))
    assert sorted(avatars) == [48, 96]
    for size, encoded in avatars.items():
        picture = opened(encoded)
        assert (encoded.format, picture.size) == ("WEBP", (size, size))
        assert_quadrants(picture, samples.QUADRANTS)
        assert_no_metadata(encoded.data)


def test_square_image_explicit_crop_is_in_upright_pixels() -> None:
    # Stored 800 x 600 with orientation 6: shown 600 x 800, blue on the top-left quadrant.
    data = samples.phone_jpeg(800, 600, orientation=6)
    avatars = images.square_image(data, sizes=(40,), crop=(0, 0, 300))
    picture = opened(avatars[40])
    assert picture.size == (40, 40)
    assert all(close_to(colour, BLUE) for colour in quadrant_colours(picture))
    # Bottom-right of what was shown: green.
    green = opened(images.square_image(data, sizes=(40,), crop=(300, 400, 300))[40])
    assert all(close_to(colour, GREEN) for colour in quadrant_colours(green))


def test_square_image_crop_is_clamped_to_the_image() -> None:
    data = samples.phone_jpeg(200, 100, orientation=1)
    # Asked far past the bottom-right corner and larger than the image: the 100 x 100 square
    # at the right edge, which is green over yellow.
    picture = opened(images.square_image(data, sizes=(64,), crop=(5000, 5000, 9000))[64])
    top, bottom = picture.convert("RGB").getpixel((32, 10)), picture.convert("RGB").getpixel((32, 54))
    assert close_to(top, GREEN) and close_to(bottom, YELLOW)


def test_square_image_crop_on_a_jpeg_decoded_at_reduced_scale() -> None:
    # 4000 x 3000 for a 48-pixel avatar is drafted to 1/8: the crop must be mapped onto it.
    data = samples.phone_jpeg(4000, 3000, orientation=1)
    picture = opened(images.square_image(data, sizes=(48,), crop=(2100, 1600, 800))[48])
    assert all(close_to(colour, YELLOW) for colour in quadrant_colours(picture))


def test_square_image_upscales_small_sources_and_takes_the_first_frame() -> None:
    avatars = images.square_image(samples.animated_gif(frames=3, size=(20, 20)), sizes=(96,))
    picture = opened(avatars[96])
    assert picture.size == (96, 96) and getattr(picture, "n_frames", 1) == 1
    assert close_to(picture.convert("RGB").getpixel((48, 48)), FRAME_COLOURS[0])


def test_square_image_refuses_what_process_image_refuses() -> None:
    with pytest.raises(ImageRejected) as caught:
        images.square_image(samples.png_bomb())
    assert caught.value.code == "too_many_pixels"
    with pytest.raises(ValueError, match="sizes"):
        images.square_image(samples.flat_png(), sizes=())


def test_icon_set() -> None:
    icons = images.icon_set(samples.transparent_png(120, 60))
    assert sorted(icons) == ["ico", "png180", "png192", "png512"]

    ico = icons["ico"]
    assert (ico.format, ico.content_type, ico.extension) == ("ICO", "image/x-icon", "ico")
    with Image.open(io.BytesIO(ico.data)) as opened_ico:
        assert isinstance(opened_ico, IcoImagePlugin.IcoImageFile)
        assert opened_ico.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
        for side in (16, 32, 48):
            entry = opened_ico.ico.getimage((side, side)).convert("RGBA")
            assert entry.size == (side, side)
            # The centred 60 x 60 square: left half red, right half transparent.
            assert close_to(entry.getpixel((side // 4, side // 2)), (*RED, 255), tolerance=10)
            assert entry.getpixel((3 * side // 4, side // 2))[3] == 0  # type: ignore[index]

    for key, side in images.ICON_PNG_SIZES.items():
        picture = opened(icons[key])
        assert (icons[key].format, picture.size, picture.mode) == ("PNG", (side, side), "RGBA")
        assert picture.getpixel((side // 4, side // 2)) == (*RED, 255)
        assert picture.getpixel((3 * side // 4, side // 2))[3] == 0  # type: ignore[index]
        assert_no_metadata(icons[key].data)


def test_rejection_carries_code_and_params_for_the_caller() -> None:
    refused = ImageRejected("too_many_frames", frames=400, max_frames=300)
    assert (refused.code, refused.params) == ("too_many_frames", {"frames": 400, "max_frames": 300})
    assert "too_many_frames" in str(refused)
    copy = pickle.loads(pickle.dumps(refused))  # job queues and worker processes pickle errors
    assert isinstance(copy, ImageRejected)
    assert (copy.code, copy.params) == ("too_many_frames", {"frames": 400, "max_frames": 300})
