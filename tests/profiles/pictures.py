"""Pictures made in the tests with Pillow, and the checks on what the server made of them."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED = (220, 30, 30)
BLUE = (30, 60, 220)
GREEN = (30, 170, 60)
ORIENTATION = 0x0112
MAKE = 0x010F
CAMERA = "Fairlx Test Camera"


def halves(width: int, height: int, left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    """A picture whose left half is one colour and right half another."""
    image = Image.new("RGB", (width, height), left)
    image.paste(right, (width // 2, 0, width, height))
    return image


def rotated_jpeg() -> bytes:
    """A 200x100 JPEG stored sideways: red left half, blue right half, with EXIF orientation 6 (turn 90°
    clockwise to view) and a camera name. Viewed upright it is 100x200, red on top and blue below."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = CAMERA
    output = io.BytesIO()
    halves(200, 100, RED, BLUE).save(output, format="JPEG", quality=95, exif=exif.tobytes())
    return output.getvalue()


def striped_png(width: int = 300, height: int = 100) -> bytes:
    """Green, red and blue thirds from left to right: the centre square is all red."""
    image = Image.new("RGB", (width, height), GREEN)
    image.paste(RED, (width // 3, 0, 2 * width // 3, height))
    image.paste(BLUE, (2 * width // 3, 0, width, height))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def transparent_png() -> bytes:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((*RED, 255), (16, 16, 48, 48))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def two_frame_gif() -> bytes:
    """An animation whose first frame is red and second blue."""
    frames = [Image.new("RGB", (40, 40), RED), Image.new("RGB", (40, 40), BLUE)]
    output = io.BytesIO()
    frames[0].save(output, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return output.getvalue()


def webp(colour: tuple[int, int, int] = GREEN) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(output, format="WEBP")
    return output.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` greyscale pixels (a decompression bomb when
    large): a few hundred bytes that would decode to gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_close(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(channel - wanted) <= tolerance for channel, wanted in zip(pixel[:3], colour, strict=True))


def pixel(image: Image.Image, point: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(point)
    assert isinstance(value, tuple), value
    return value
