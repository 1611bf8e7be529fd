"""Avatar pictures: whatever people upload becomes a 256x256 WebP with no metadata.

The format is sniffed from the bytes (never the file name or the client's content type), and only
JPEG, PNG, WebP and GIF (its first frame) are read. Dimensions are checked from the header before
anything is decoded, so a small file that declares a huge picture (a decompression bomb) costs nothing.
Camera orientation is applied, then every piece of metadata (EXIF with its GPS position, XMP, comments)
is dropped by copying the pixels into a fresh image. This is CPU work: call it in a worker thread.
"""

from __future__ import annotations

import io
import threading
import warnings
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from fairlx.core.errors import Invalid

AVATAR_SIZE = 256
AVATAR_CONTENT_TYPE = "image/webp"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo decodes to about 160 MB; anything larger is refused
MAX_SIDE = 16_384  # WebP's own limit; a 20000x1 strip is no picture of a person
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
WEBP_QUALITY = 85
SIMULTANEOUS_DECODES = 2  # bounds the memory that concurrent uploads can take

# Pillow refuses pictures over twice this many pixels and warns above it; the warning becomes an
# error here, so a picture between the two limits is refused too instead of quietly decoded.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)

_decoding = threading.BoundedSemaphore(SIMULTANEOUS_DECODES)
_SRGB = ImageCms.createProfile("sRGB")
_BROKEN_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)


def not_an_image() -> Invalid:
    return Invalid(
        "not_an_image",
        field="file",
        detail="The file is not a picture we can read: upload a JPEG, PNG, WebP or GIF image.",
    )


def image_too_large() -> Invalid:
    return Invalid(
        "image_too_large",
        field="file",
        detail=f"The picture is too large: at most {MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE} pixels a side.",
    )


def make_avatar(source: BinaryIO) -> bytes:
    """The WebP avatar made from the picture in `source`; `Invalid` (field `file`) when it is none."""
    with _decoding:
        source.seek(0)
        try:
            image = Image.open(source, formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise image_too_large() from None
        except (UnidentifiedImageError, *_BROKEN_IMAGE_ERRORS):
            raise not_an_image() from None
        with image:
            _check_dimensions(*image.size)
            try:
                return _encode(_square(_upright(image)))
            except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
                raise image_too_large() from None
            except _BROKEN_IMAGE_ERRORS:
                raise not_an_image() from None


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1 or max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise image_too_large()


def _upright(image: Image.Image) -> Image.Image:
    """The first frame, decoded (JPEG at a reduced scale when that still covers the avatar), turned the
    way the camera says it was held, in sRGB and in RGB or RGBA."""
    if image.format == "JPEG":
        image.draft(None, (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
    image.seek(0)
    image.load()
    try:
        upright = ImageOps.exif_transpose(image)
    except _BROKEN_IMAGE_ERRORS:  # unreadable EXIF: keep the picture as stored
        upright = image.copy()
    return _to_srgb(upright, image.info.get("icc_profile"))


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)
    target = "RGBA" if has_alpha else "RGB"
    if icc_profile and image.mode in {"RGB", "RGBA", "CMYK"}:
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            transformed = ImageCms.profileToProfile(image, source_profile, _SRGB, outputMode=target)
        except (ImageCms.PyCMSError, OSError, ValueError):
            transformed = None  # a broken profile: the pixels as they are are close enough
        if transformed is not None:
            return transformed
    return image.convert(target)


def _square(image: Image.Image) -> Image.Image:
    """The centre square, scaled to the avatar size."""
    return ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def _encode(image: Image.Image) -> bytes:
    # A fresh image holds the pixels and nothing else: no EXIF, XMP, ICC profile or comment survives.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    output = io.BytesIO()
    clean.save(output, format="WEBP", quality=WEBP_QUALITY, method=4)
    return output.getvalue()
