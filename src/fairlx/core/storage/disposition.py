"""Download names: what a browser may save a file as, and the `Content-Disposition` that says so."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

MAX_NAME_LENGTH = 180
FALLBACK_NAME = "download"
_REPLACED = frozenset('"\\/:*?<>|')
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, bidi overrides, separators


def safe_download_name(name: str) -> str:
    """A file name safe on every desktop: no path, no control or direction-override characters, no quotes."""
    kept = "".join(
        "_" if char in _REPLACED else char
        for char in unicodedata.normalize("NFC", name)
        if unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
    cleaned = " ".join(kept.split()).strip(" .")
    return cleaned[:MAX_NAME_LENGTH].rstrip(" .") or FALLBACK_NAME


def content_disposition(download_name: str | None, *, inline: bool = False) -> str:
    """`attachment` with the name in both forms (RFC 6266): a plain ASCII one and the exact UTF-8 one."""
    if download_name is None:
        return "inline" if inline else "attachment"
    name = safe_download_name(download_name)
    ascii_name = "".join(char if " " <= char <= "~" else "_" for char in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
