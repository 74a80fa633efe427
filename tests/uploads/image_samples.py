"""Upload samples built with Pillow, as bytes: phone photos with GPS, spoofed and hostile files.

Pictures are divided into four coloured quadrants of the STORED pixels, so a test can tell
where each corner ended up after EXIF rotation, cropping or resizing (see ``QUADRANTS``).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

from PIL import ExifTags, Image, ImageCms

RED = (220, 30, 30)
GREEN = (30, 200, 30)
BLUE = (30, 30, 220)
YELLOW = (240, 220, 20)
#: Stored quadrant colours: top-left, top-right, bottom-left, bottom-right.
QUADRANTS = (RED, GREEN, BLUE, YELLOW)
#: Distinct colours of successive animation frames.
FRAME_COLOURS = (RED, GREEN, BLUE, YELLOW, (250, 250, 250), (20, 20, 20))

PHONE_MAKE = "CircoloPhoneMaker"
PHONE_MODEL = "Pocket Nine Pro"
PHONE_COMMENT = b"circolo-secret-comment"
PHONE_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="45,27.58N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def quadrant_picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Stored pixels: red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    picture = Image.new("RGB", (width, height))
    half_width, half_height = width // 2, height // 2
    boxes = (
        (0, 0, half_width, half_height),
        (half_width, 0, width, half_height),
        (0, half_height, half_width, height),
        (half_width, half_height, width, height),
    )
    for box, colour in zip(boxes, QUADRANTS, strict=True):
        picture.paste(colour, box)
    return picture.convert(mode)


def srgb_icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_jpeg(
    width: int = 64,
    height: int = 48,
    *,
    orientation: int = 6,
    gps: bool = True,
    comment: bool = True,
    xmp: bool = True,
    icc: bool = True,
    quality: int = 90,
) -> bytes:
    """A JPEG as a phone writes it: EXIF with Orientation, Make/Model and GPS position, plus a
    comment, XMP (with the position again) and an ICC profile. Pixels: ``quadrant_picture``."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = PHONE_MAKE
    exif[ExifTags.Base.Model] = PHONE_MODEL
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (45.0, 27.0, 35.12),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (9.0, 11.0, 12.5),
        }
    params: dict[str, object] = {"exif": exif.tobytes(), "quality": quality}
    if comment:
        params["comment"] = PHONE_COMMENT
    if xmp:
        params["xmp"] = PHONE_XMP
    if icc:
        params["icc_profile"] = srgb_icc_profile()
    buffer = io.BytesIO()
    quadrant_picture(width, height).save(buffer, "JPEG", **params)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    """A JPEG cut in the middle of its scan: the header parses, the pixels do not."""
    data = phone_jpeg(200, 150, gps=False, comment=False, xmp=False, icc=False)
    return data[: len(data) // 2]


def cmyk_jpeg(width: int = 32, height: int = 24) -> bytes:
    buffer = io.BytesIO()
    quadrant_picture(width, height, "CMYK").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims width x height RGB pixels. Its pixel data is a few bytes,
    so decoding it would fail as corrupt: a size refusal shows the check came first."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF marker is rewritten to claim width x height."""
    data = bytearray(phone_jpeg(16, 16, gps=False, comment=False, xmp=False, icc=False))
    for sof in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(sof)
        if at != -1:
            struct.pack_into(">HH", data, at + 5, height, width)
            return bytes(data)
    raise AssertionError("no SOF marker")


def gif_bomb(width: int = 65_535, height: int = 65_535) -> bytes:
    """A GIF whose logical screen claims width x height, holding a single 1x1 frame."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b";"


def html_as_jpg() -> bytes:
    """What a member might upload as ``holiday.jpg``: an HTML page."""
    return b"<!DOCTYPE html>\n" + HTML_PAYLOAD + b"\n"


def svg_bytes(*, prolog: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return prolog + (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>alert(1)</script><rect width="10" height="10" fill="red"/></svg>'
    )


def text_file() -> bytes:
    return b"Minutes of the committee meeting\n\n1. Opening\n2. Budget\n"


def _gif(picture: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "GIF", **params)
    return buffer.getvalue()


def gif_html_polyglot() -> bytes:
    """A valid GIF that is also read as HTML: script in a comment extension and after the
    trailer. A browser sniffing it, or a page embedding it as HTML, would run the script."""
    return _gif(quadrant_picture(32, 24).convert("P"), comment=HTML_PAYLOAD) + HTML_PAYLOAD


def animated_gif(
    frames: int = 3,
    size: tuple[int, int] = (40, 30),
    *,
    transparent: bool = False,
    loop: int | None = 0,
    durations: Sequence[int] | None = None,
) -> bytes:
    """Frame i is filled with FRAME_COLOURS[i % 6]; with ``transparent`` half of it is fully
    transparent: the right half in even frames, the left half in odd ones (so a pixel turns
    transparent where the previous frame had colour). Carries a comment (which must not
    survive re-encoding)."""
    pictures = []
    for index in range(frames):
        colour = FRAME_COLOURS[index % len(FRAME_COLOURS)]
        picture = Image.new("RGBA", size, (*colour, 255))
        if transparent:
            left = size[0] // 2 if index % 2 == 0 else 0
            picture.paste((0, 0, 0, 0), (left, 0, left + size[0] // 2, size[1]))
        pictures.append(picture)
    params: dict[str, object] = {
        "save_all": True,
        "append_images": pictures[1:],
        "duration": list(durations) if durations is not None else [70 + 10 * i for i in range(frames)],
        "comment": PHONE_COMMENT,
        "disposal": 2,
    }
    if loop is not None:
        params["loop"] = loop
    return _gif(pictures[0], **params)


def animated_webp(frames: int = 3, size: tuple[int, int] = (40, 30)) -> bytes:
    pictures = [Image.new("RGB", size, FRAME_COLOURS[i % len(FRAME_COLOURS)]) for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=pictures[1:],
        duration=[100] * frames,
        loop=0,
        lossless=True,
        exif=_exif_with_gps(),
    )
    return buffer.getvalue()


def animated_png(frames: int = 3, size: tuple[int, int] = (40, 30)) -> bytes:
    pictures = [Image.new("RGB", size, FRAME_COLOURS[i % len(FRAME_COLOURS)]) for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "PNG", save_all=True, append_images=pictures[1:], duration=[100] * frames, loop=0)
    return buffer.getvalue()


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = PHONE_MAKE
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (45.0, 27.0, 35.0)}
    return exif.tobytes()


def _png(picture: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", **params)
    return buffer.getvalue()


def transparent_png(width: int = 40, height: int = 30) -> bytes:
    """Left half opaque red, right half fully transparent."""
    picture = Image.new("RGBA", (width, height), (*RED, 255))
    picture.paste((0, 0, 0, 0), (width // 2, 0, width, height))
    return _png(picture, exif=_exif_with_gps())


def rgba_png_all_opaque(width: int = 40, height: int = 30) -> bytes:
    """An alpha channel that is never used (every pixel opaque)."""
    return _png(quadrant_picture(width, height, "RGBA"))


def photo_png(width: int = 96, height: int = 64) -> bytes:
    """An opaque PNG with thousands of colours (a photo saved as PNG)."""
    picture = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.effect_noise((width, height), 60).convert("L"),
        ),
    )
    return _png(picture)


def flat_png(width: int = 40, height: int = 30) -> bytes:
    """An opaque PNG of four colours (a diagram or a plain screenshot)."""
    return _png(quadrant_picture(width, height))


def palette_png_with_transparency(width: int = 40, height: int = 30) -> bytes:
    """Mode P with a tRNS chunk: the quadrant picture with its top-right quadrant transparent."""
    picture = quadrant_picture(width, height).quantize(colors=4)
    transparent_index = picture.getpixel((width - 1, 0))
    return _png(picture, transparency=transparent_index)


def grey16_png(value: int = 0x8000, width: int = 8, height: int = 8) -> bytes:
    return _png(Image.new("I;16", (width, height), value))


def grey_alpha_png(width: int = 8, height: int = 8) -> bytes:
    return _png(Image.new("LA", (width, height), (200, 100)))


def bmp_bytes() -> bytes:
    buffer = io.BytesIO()
    quadrant_picture(8, 8).save(buffer, "BMP")
    return buffer.getvalue()


def tiff_bytes() -> bytes:
    buffer = io.BytesIO()
    quadrant_picture(8, 8).save(buffer, "TIFF")
    return buffer.getvalue()


def heic_header() -> bytes:
    """The start of a HEIC file (what an iPhone sends): an ISO-BMFF ftyp box, brand heic."""
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00" * 64
