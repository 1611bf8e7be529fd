"""Signed download links for local storage: an HMAC-SHA256 over the key, the expiry and the download
name, so none of them can be changed without the signing key."""

from __future__ import annotations

import base64
import hashlib
import hmac

from fairlx.core.clock import utcnow
from fairlx.core.errors import Forbidden

_PURPOSE = b"fairlx.storage.download.v1"


class DownloadSigner:
    def __init__(self, signing_key: bytes) -> None:
        # A key of its own, so a signature made here is worth nothing anywhere else the secret key signs.
        self._key = hmac.new(signing_key, _PURPOSE, hashlib.sha256).digest()

    def sign(self, key: str, expires: int, download_name: str | None) -> str:
        # Keys hold no newline and expiries are digits, so the message splits back into one meaning only.
        message = f"{key}\n{expires}\n{download_name or ''}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def verify(self, key: str, expires: int, download_name: str | None, signature: str) -> None:
        """Refuse a link whose parts were changed (`bad_signature`) or whose time is up (`link_expired`)."""
        expected = self.sign(key, expires, download_name).encode()
        if not hmac.compare_digest(expected, signature.encode()):
            raise Forbidden("bad_signature", detail="This download link is not valid.")
        if expires <= utcnow().timestamp():
            raise Forbidden("link_expired", detail="This download link has expired; ask for a new one.")
