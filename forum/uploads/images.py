"""Uploaded images: what a member's file becomes before anyone sees it.

Pure functions over bytes (no Flask, no storage): the upload views call them and store the
results. Nothing here is served as uploaded.

Policy
------
* **Re-encoded, always.** Every accepted image is decoded and encoded again from a fresh pixel
  buffer (``Image.new`` + paste), and saved with explicit parameters only. Whatever rode along
  in the file cannot reach a reader: EXIF (GPS position, camera make and serial), XMP,
  comments, ICC profiles, GIF extensions, text chunks, or the HTML/script of a polyglot file.
* **The type comes from the content**, never from the file name or the browser's
  Content-Type: Pillow opens the data restricted to :func:`accepted_formats`, so an HTML file
  named ``.jpg`` is refused (``not_an_image``) and a GIF/HTML polyglot is decoded as a GIF and
  comes out as a clean image. SVG is never decoded (it is a document that can carry script):
  data that looks like SVG/XML is refused as ``svg``.
* **Accepted:** JPEG, PNG (also APNG), GIF, WebP, AVIF, and HEIF/HEIC only after
  :func:`register_heif_if_available` found the optional ``pillow-heif`` (GPL as built, so
  opt-in). Refused on purpose as ``unsupported_format``: BMP and TIFF (no phone or browser
  produces them for an upload, browsers paste screenshots as PNG; TIFF is a large parser
  surface of codecs and pages), ICO, PSD, JPEG 2000, JPEG XL, and HEIF without ``pillow-heif``.
* **Limits before decoding.** After ``open`` (header only) and before any ``load``:
  width x height <= ``max_pixels`` (``too_many_pixels``); an animation's frames <=
  ``max_frames`` and width x height x frames <= ``max_pixels`` (``too_many_frames``, whose
  ``max_frames`` then says how many frames fit at that size). Pillow's own bomb check only
  fires at twice its MAX_IMAGE_PIXELS; when it does, it is reported as ``too_many_pixels`` too.
* **Upright.** The EXIF orientation (all 8 values) is applied before anything else, so the
  output is upright and carries no orientation tag. Avatar crops are given in these upright
  pixels: what the browser showed the member after its own EXIF rotation.
* **Colour.** An embedded ICC profile (e.g. Display P3 from phones, CMYK) is converted to sRGB
  with ImageCms and then dropped; without ImageCms, or with a broken profile, it is just
  dropped. Every mode becomes RGB, or RGBA when the alpha channel is actually used (some pixel
  not fully opaque); 16-bit grey is scaled to 8 bits, not clipped.
* **Output formats.** Post images also reach members by mail, and Outlook shows no WebP:

  - opaque still: JPEG (quality 85, progressive, optimised, 4:2:0); except a still from a
    lossless source (PNG, GIF) with at most 256 colours (diagrams, logos, flat screenshots),
    which stays lossless as PNG, where it is exact and usually smaller;
  - still with transparency: PNG;
  - animation, kept animated with its frame durations and loop count: GIF -> GIF, WebP ->
    WebP, APNG -> APNG (mail clients show its first frame), animated AVIF/HEIF -> WebP;
  - the web copy's longest side is at most ``max_side``, never upscaled;
  - thumbnail: WebP (only shown in pages), first frame, fits ``thumbnail_side`` square;
  - avatars (:func:`square_image`): one WebP per size, exactly size x size (upscaled when the
    source is smaller), first frame, transparency kept;
  - brand icons (:func:`icon_set`): a 16/32/48 ICO and 180/192/512 PNGs, centre-cropped,
    transparency kept.

* **Speed.** JPEGs are decoded at a reduced scale (libjpeg's DCT scaling, ``Image.draft``)
  when the output is at most half the source, then finished with Lanczos.

Refusals raise :class:`ImageRejected` with a ``code`` from :data:`REJECTION_CODES` and
``params`` for the message; the caller translates.
"""

from __future__ import annotations

import functools
import io
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

# --------------------------------------------------------------------------------------------
# Public names
# --------------------------------------------------------------------------------------------

#: Pillow format names always accepted (HEIF joins them, see :func:`accepted_formats`).
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "AVIF")
HEIF_FORMAT = "HEIF"

REJECTION_CODES: frozenset[str] = frozenset(
    {"not_an_image", "svg", "unsupported_format", "too_many_pixels", "too_many_frames", "corrupt"}
)

JPEG_QUALITY = 85
WEBP_QUALITY = 80
ICO_SIZES: tuple[int, ...] = (16, 32, 48)
ICON_PNG_SIZES: dict[str, int] = {"png180": 180, "png192": 192, "png512": 512}

_OUTPUT_TYPES: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
    "ICO": ("image/x-icon", "ico"),
}


class ImageRejected(Exception):
    """The upload is not an image we take. ``code`` is one of REJECTION_CODES; ``params`` fill
    the caller's translated message (too_many_pixels: width, height, max_pixels;
    too_many_frames: frames, max_frames; unsupported_format: format)."""

    def __init__(self, code: str, **params: int | str) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, int | str] = params

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        # Picklable (job queues, worker processes) although __init__ takes keywords.
        return functools.partial(ImageRejected, self.code, **self.params), ()

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code


@dataclass(frozen=True)
class Encoded:
    """One encoded image, ready to store and serve with ``content_type``."""

    data: bytes
    format: str  # Pillow's name: JPEG, PNG, GIF, WEBP, ICO
    content_type: str
    extension: str  # without the dot
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """A post image: the copy shown in posts and mail, and the thumbnail for pages."""

    web: Encoded
    thumbnail: Encoded
    animated: bool
    source_format: str  # what the upload really was, e.g. "JPEG"


# HEIF is accepted only once pillow-heif registered its opener in this process.
_registered_optional_formats: set[str] = set()


def register_heif_if_available() -> bool:
    """Register pillow-heif's opener if the optional package is installed; True when HEIC/HEIF
    photos are accepted from now on. pillow-heif is GPL as built (x265), hence opt-in."""
    if HEIF_FORMAT in _registered_optional_formats:
        return True
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    _registered_optional_formats.add(HEIF_FORMAT)
    return True


def accepted_formats() -> tuple[str, ...]:
    """ACCEPTED_FORMATS, with HEIF when registered. HEIF goes before AVIF: both use the
    ISO-BMFF ``ftyp`` box, and Pillow's AVIF plugin also claims the shared ``mif1`` brand."""
    if HEIF_FORMAT not in _registered_optional_formats:
        return ACCEPTED_FORMATS
    avif = ACCEPTED_FORMATS.index("AVIF")
    return (*ACCEPTED_FORMATS[:avif], HEIF_FORMAT, *ACCEPTED_FORMATS[avif:])


def sniff_format(data: bytes) -> str | None:
    """The Pillow format name read from the content (header only), or None when the data is
    not an accepted image. Says nothing about limits or whether the pixels decode."""
    try:
        with Image.open(io.BytesIO(data), formats=list(accepted_formats())) as image:
            return image.format
    except Image.DecompressionBombError:
        header = _header_without_bomb_check(data)
        return header[0] if header else None
    except _DECODE_ERRORS:
        return None


def looks_like_svg(data: bytes) -> bool:
    """Whether the data reads as SVG/XML: it starts (after a byte order mark and whitespace)
    with ``<?xml`` or ``<svg``, or has ``<svg`` in its first KB. UTF-16 text is read as such."""
    head = data[:1024]
    if head.startswith((_UTF16_LE_BOM, _UTF16_BE_BOM)):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    lowered = head.lower()
    text = lowered.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n\x0c")
    return text.startswith((b"<?xml", b"<svg")) or b"<svg" in lowered


def process_image(
    data: bytes,
    *,
    max_side: int = 2048,
    max_pixels: int = 50_000_000,
    thumbnail_side: int = 320,
    max_frames: int = 300,
) -> ProcessedImage:
    """A post image: the web copy (format per the module policy) and a WebP thumbnail.
    Raises ImageRejected."""
    image = _open(data, max_pixels)
    with image:
        source_format = str(image.format)
        frames = _frame_count(image, max_frames=max_frames, max_pixels=max_pixels)
        orientation = _orientation(image)
        if frames > 1:
            return _process_animation(
                image,
                orientation,
                frames=frames,
                max_side=max_side,
                max_pixels=max_pixels,
                thumbnail_side=thumbnail_side,
            )
        draft_to = _fit_size(_upright_size(image.size, orientation), max_side)
        full = _decode_first_frame(image, orientation, draft_to=draft_to, max_pixels=max_pixels)
    web_format = _still_format(full, source_format)
    web = _fit_within(full, max_side)
    return ProcessedImage(
        web=_encode(web, web_format),
        thumbnail=_encode(_fit_within(web, thumbnail_side), "WEBP"),
        animated=False,
        source_format=source_format,
    )


def square_image(
    data: bytes,
    *,
    sizes: Sequence[int] = (48, 96, 240),
    crop: tuple[int, int, int] | None = None,
    max_pixels: int = 50_000_000,
) -> dict[int, Encoded]:
    """Avatars: one WebP per size, size x size, from the first frame.

    ``crop`` is (left, top, side) in the upright image's pixels (after EXIF rotation, what the
    browser showed), clamped to the image; None takes the centred largest square.
    Raises ImageRejected."""
    if not sizes or min(sizes) < 1:
        raise ValueError(f"sizes must be positive: {sizes!r}")
    frame, box = _decode_square(data, crop, largest=max(sizes), max_pixels=max_pixels)
    return {
        size: _encode(frame.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0), "WEBP")
        for size in sizes
    }


def icon_set(data: bytes, *, max_pixels: int = 50_000_000) -> dict[str, Encoded]:
    """Brand icons from an uploaded logo, centre-cropped to a square, transparency kept:
    ``ico`` (16, 32 and 48 in one .ico), ``png180`` (apple-touch-icon), ``png192``, ``png512``
    (web manifest). Smaller sources are upscaled. Raises ImageRejected."""
    frame, box = _decode_square(data, None, largest=max(*ICON_PNG_SIZES.values(), *ICO_SIZES), max_pixels=max_pixels)
    square = frame.convert("RGBA")

    def sized(size: int) -> Image.Image:
        return _fresh(square.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0))

    icons = {key: _encode(sized(size), "PNG") for key, size in ICON_PNG_SIZES.items()}
    ico_frames = [sized(size) for size in ICO_SIZES]
    buffer = io.BytesIO()
    # BMP entries rather than PNG ones: every ICO reader takes them, and at 48px they are tiny.
    ico_frames[-1].save(
        buffer,
        "ICO",
        sizes=[(size, size) for size in ICO_SIZES],
        append_images=ico_frames[:-1],
        bitmap_format="bmp",
    )
    icons["ico"] = _encoded(buffer.getvalue(), "ICO", ico_frames[-1].size)
    return icons


# --------------------------------------------------------------------------------------------
# Identifying the upload
# --------------------------------------------------------------------------------------------

# What Pillow's decoders raise on malformed data (UnidentifiedImageError is an OSError).
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)

_HEADER_ERRORS: tuple[type[BaseException], ...] = (*_DECODE_ERRORS, Image.DecompressionBombError)

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_LE_BOM = b"\xff\xfe"
_UTF16_BE_BOM = b"\xfe\xff"
_ISO_BMFF_BRANDS: dict[bytes, str] = {
    b"avif": "AVIF",
    b"avis": "AVIF",
    **dict.fromkeys((b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"), "HEIF"),
    **dict.fromkeys((b"mif1", b"msf1"), "HEIF"),  # shared brand; AVIF ones are opened before we get here
}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"8BPS", "PSD"),
    (b"\xff\x4f\xff\x51", "JPEG2000"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (b"\xff\x0a", "JXL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JXL"),
)
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})


def _open(data: bytes, max_pixels: int) -> ImageFile.ImageFile:
    """The upload opened (header only) as an accepted format, within max_pixels."""
    formats = accepted_formats()
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except UnidentifiedImageError:
        raise _unidentified(data) from None
    except Image.DecompressionBombError:
        header = _header_without_bomb_check(data)
        width, height = header[1] if header else (0, 0)
        raise ImageRejected("too_many_pixels", width=width, height=height, max_pixels=max_pixels) from None
    except _DECODE_ERRORS:
        raise ImageRejected("corrupt") from None
    try:
        _check_pixels(image.size, max_pixels)
    except ImageRejected:
        image.close()
        raise
    return image


def _unidentified(data: bytes) -> ImageRejected:
    if looks_like_svg(data):
        return ImageRejected("svg")
    claimed = _format_by_signature(data)
    if claimed is None:
        return ImageRejected("not_an_image")
    if claimed in accepted_formats():
        # It starts like an image we take, yet its header does not parse.
        return ImageRejected("corrupt")
    return ImageRejected("unsupported_format", format=claimed)


def _format_by_signature(data: bytes) -> str | None:
    """A format named by the file's magic bytes, accepted or not; for the refusal's wording only
    (accepted files are identified by Pillow)."""
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        return _ISO_BMFF_BRANDS.get(data[8:12])
    if data[:2] == b"BM" and len(data) >= 18 and struct.unpack_from("<I", data, 14)[0] in _BMP_HEADER_SIZES:
        return "BMP"
    return None


def _header_without_bomb_check(data: bytes) -> tuple[str, tuple[int, int]] | None:
    """Format and size from the header when Pillow refused it as a decompression bomb, whose
    error does not say the size. Calls the plugin's constructor, which reads the header only."""
    prefix = data[:16]
    for name in accepted_formats():
        factory, accept = Image.OPEN[name]
        if accept is not None and accept(prefix) is not True:
            continue
        try:
            with factory(io.BytesIO(data), "") as image:
                return name, image.size
        except _HEADER_ERRORS:
            continue
    return None


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageRejected("corrupt")
    if width * height > max_pixels:
        raise ImageRejected("too_many_pixels", width=width, height=height, max_pixels=max_pixels)


def _frame_count(image: ImageFile.ImageFile, *, max_frames: int, max_pixels: int) -> int:
    """Frames in the file, within max_frames and the max_pixels budget for all of them.
    Counting reads frame headers only (GIF walks its blocks without decoding)."""
    try:
        frames = int(getattr(image, "n_frames", 1))
    except _DECODE_ERRORS:
        raise ImageRejected("corrupt") from None
    if frames > max_frames:
        raise ImageRejected("too_many_frames", frames=frames, max_frames=max_frames)
    frame_pixels = image.width * image.height
    if frames * frame_pixels > max_pixels:
        raise ImageRejected("too_many_frames", frames=frames, max_frames=max(1, max_pixels // frame_pixels))
    return max(frames, 1)


# --------------------------------------------------------------------------------------------
# Decoding: upright, sRGB, RGB or RGBA
# --------------------------------------------------------------------------------------------

_ORIENTATION_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = frozenset({5, 6, 7, 8})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WIDE_GREY_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
_LOSSLESS_SOURCES = frozenset({"PNG", "GIF"})


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation, 1 when absent, unknown or unreadable (browsers then show the
    stored pixels too)."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and value in _ORIENTATION_TRANSPOSE else 1


def _upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in _SWAPS_AXES else size


def _decode_first_frame(
    image: ImageFile.ImageFile, orientation: int, *, draft_to: tuple[int, int] | None, max_pixels: int
) -> Image.Image:
    """The current frame, decoded (at a reduced JPEG scale when ``draft_to`` allows it:
    ``draft`` keeps the result at least that size), normalised and upright. ``draft_to`` is
    in upright pixels."""
    if draft_to is not None and image.format == "JPEG":
        image.draft(None, _upright_size(draft_to, orientation))
    _load(image, max_pixels)
    return _upright(_normalized(image), orientation)


def _load(image: ImageFile.ImageFile, max_pixels: int) -> None:
    try:
        image.load()
    except Image.DecompressionBombError:
        # A GIF frame reaching outside the canvas grows it past Pillow's own limit.
        raise ImageRejected("too_many_pixels", width=image.width, height=image.height, max_pixels=max_pixels) from None
    except _DECODE_ERRORS:
        raise ImageRejected("corrupt") from None


def _upright(frame: Image.Image, orientation: int) -> Image.Image:
    transpose = _ORIENTATION_TRANSPOSE.get(orientation)
    return frame if transpose is None else frame.transpose(transpose)


def _normalized(frame: Image.Image) -> Image.Image:
    """RGB, or RGBA when some pixel is not fully opaque, in sRGB."""
    if frame.mode in _WIDE_GREY_MODES:
        # Converting 16-bit grey straight to L clips everything above 255 to white.
        frame = frame.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    icc_profile = frame.info.get("icc_profile")
    wants_alpha = frame.mode in _ALPHA_MODES or "transparency" in frame.info
    converted = _to_srgb(frame, icc_profile, "RGBA" if wants_alpha else "RGB") if icc_profile else None
    if converted is None:
        converted = frame.convert("RGBA" if wants_alpha else "RGB")
    if converted.mode == "RGBA" and not _alpha_used(converted):
        return converted.convert("RGB")
    return converted


def _to_srgb(frame: Image.Image, icc_profile: bytes, output_mode: str) -> Image.Image | None:
    """The frame converted from its embedded profile to sRGB; None when that cannot be done
    (no ImageCms, a broken profile, or a profile that does not match the mode)."""
    try:
        from PIL import ImageCms
    except ImportError:
        return None
    profile_errors: tuple[type[BaseException], ...] = (ImageCms.PyCMSError, *_DECODE_ERRORS)
    if frame.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(frame, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except profile_errors:
        return None
    if converted is None:
        return None
    converted.info.pop("icc_profile", None)
    return converted


def _alpha_used(rgba: Image.Image) -> bool:
    opaque = rgba.getchannel("A").histogram()[255]
    return opaque < rgba.width * rgba.height


# --------------------------------------------------------------------------------------------
# Sizing
# --------------------------------------------------------------------------------------------


def _fit_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled to fit a side x side square, keeping the aspect ratio, never larger."""
    width, height = size
    longest = max(width, height)
    if longest <= side:
        return size
    scale = side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit_within(frame: Image.Image, side: int) -> Image.Image:
    size = _fit_size(frame.size, side)
    if size == frame.size:
        return frame
    # reducing_gap: a fast box reduction first, Lanczos for the last factor of 3.
    return frame.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _decode_square(
    data: bytes, crop: tuple[int, int, int] | None, *, largest: int, max_pixels: int
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The first frame, upright, and the box of the square to take from it: ``crop`` (upright
    pixels of the full-size image) clamped, or the centred square, mapped onto the frame, which
    may be decoded at a reduced scale."""
    image = _open(data, max_pixels)
    with image:
        orientation = _orientation(image)
        upright_width, upright_height = _upright_size(image.size, orientation)
        left, top, side = _square_within(upright_width, upright_height, crop)
        draft_to = _draft_for_square(image.size, side, largest)
        frame = _decode_first_frame(image, orientation, draft_to=draft_to, max_pixels=max_pixels)
    scale_x, scale_y = frame.width / upright_width, frame.height / upright_height
    return frame, (left * scale_x, top * scale_y, (left + side) * scale_x, (top + side) * scale_y)


def _square_within(width: int, height: int, crop: tuple[int, int, int] | None) -> tuple[int, int, int]:
    """(left, top, side) of a square inside width x height: ``crop`` clamped, or centred."""
    shortest = min(width, height)
    if crop is None:
        return (width - shortest) // 2, (height - shortest) // 2, shortest
    left, top, side = crop
    side = min(max(side, 1), shortest)
    return min(max(left, 0), width - side), min(max(top, 0), height - side), side


def _draft_for_square(size: tuple[int, int], side: int, largest: int) -> tuple[int, int] | None:
    """The size to draft a JPEG to so that a ``side`` square of it still has ``largest`` pixels
    a side (so the final resize only ever reduces)."""
    if side <= largest:
        return None
    scale = largest / side
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


# --------------------------------------------------------------------------------------------
# Animations
# --------------------------------------------------------------------------------------------

# Animated AVIF/HEIF become WebP: browsers play it, and Pillow encodes it quickly.
_ANIMATION_OUTPUT: dict[str, str] = {"GIF": "GIF", "WEBP": "WEBP", "PNG": "PNG"}


def _process_animation(
    image: ImageFile.ImageFile,
    orientation: int,
    *,
    frames: int,
    max_side: int,
    max_pixels: int,
    thumbnail_side: int,
) -> ProcessedImage:
    source_format = str(image.format)
    decoded: list[Image.Image] = []
    durations: list[int] = []
    decoded_pixels = 0
    for index in range(frames):
        try:
            image.seek(index)
        except Image.DecompressionBombError:
            raise ImageRejected(
                "too_many_pixels", width=image.width, height=image.height, max_pixels=max_pixels
            ) from None
        except _DECODE_ERRORS:
            raise ImageRejected("corrupt") from None
        # A GIF frame may reach outside the canvas and grow it: check before decoding it.
        _check_pixels(image.size, max_pixels)
        decoded_pixels += image.width * image.height
        if decoded_pixels > max_pixels:
            raise ImageRejected("too_many_frames", frames=frames, max_frames=max(1, index))
        _load(image, max_pixels)
        durations.append(max(0, round(float(image.info.get("duration") or 0))))
        decoded.append(_fit_within(_upright(_normalized(image), orientation), max_side))
    loop = image.info.get("loop")
    output_format = _ANIMATION_OUTPUT.get(source_format, "WEBP")
    web = _encode_animation(decoded, durations, loop if isinstance(loop, int) else None, output_format)
    return ProcessedImage(
        web=web,
        thumbnail=_encode(_fit_within(decoded[0], thumbnail_side), "WEBP"),
        animated=True,
        source_format=source_format,
    )


def _encode_animation(frames: list[Image.Image], durations: list[int], loop: int | None, output_format: str) -> Encoded:
    mode = "RGBA" if any(frame.mode == "RGBA" for frame in frames) else "RGB"
    size = frames[0].size
    clean = [_fresh(frame.convert(mode), size) for frame in frames]
    params: dict[str, Any] = {"save_all": True, "append_images": clean[1:], "duration": durations}
    if output_format == "GIF":
        if mode == "RGBA":
            # Each frame replaces the last (disposal 2), else pixels turning transparent
            # would keep showing the previous frame.
            params["disposal"] = 2
        if loop is not None:  # no loop extension: the source played once
            params["loop"] = loop
    elif output_format == "WEBP":
        params.update(loop=loop or 0, quality=WEBP_QUALITY, method=4)
    else:  # APNG
        params.update(loop=loop or 0, default_image=False)
    buffer = io.BytesIO()
    clean[0].save(buffer, output_format, **params)
    return _encoded(buffer.getvalue(), output_format, size)


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


def _still_format(frame: Image.Image, source_format: str) -> str:
    if frame.mode == "RGBA":
        return "PNG"
    if source_format in _LOSSLESS_SOURCES and frame.getcolors(256) is not None:
        return "PNG"
    return "JPEG"


def _fresh(frame: Image.Image, size: tuple[int, int] | None = None) -> Image.Image:
    """A new image holding only the pixels (cropped or padded to ``size``): no ``info`` or
    EXIF of the upload can reach an encoder, which would otherwise copy some of it."""
    clean = Image.new(frame.mode, size or frame.size)
    clean.paste(frame, (0, 0))
    return clean


def _encode(frame: Image.Image, output_format: str) -> Encoded:
    clean = _fresh(frame)
    buffer = io.BytesIO()
    if output_format == "JPEG":
        clean.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True, subsampling="4:2:0")
    elif output_format == "PNG":
        # zlib's default level: level 9 ("optimize") took 10x longer on a 2048px photo for 5%.
        clean.save(buffer, "PNG")
    elif output_format == "WEBP":
        clean.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        raise ValueError(f"no still encoder for {output_format}")
    return _encoded(buffer.getvalue(), output_format, clean.size)


def _encoded(data: bytes, output_format: str, size: tuple[int, int]) -> Encoded:
    content_type, extension = _OUTPUT_TYPES[output_format]
    return Encoded(
        data=data,
        format=output_format,
        content_type=content_type,
        extension=extension,
        width=size[0],
        height=size[1],
    )
