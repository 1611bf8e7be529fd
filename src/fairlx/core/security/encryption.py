"""Authenticated encryption (AES-256-GCM) for secrets kept at rest, such as TOTP seeds. The key is
derived from the instance's secret key with HKDF, one key per purpose; the stored form is
`v1.<base64url(nonce | ciphertext+tag)>`."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The stored value was not written with this instance's key (or was altered)."""


class SecretBox:
    def __init__(self, secret_key: bytes, purpose: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"fairlx:{purpose}".encode())
        self._aead = AESGCM(derived.derive(secret_key))
        self._associated_data = purpose.encode()

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._associated_data)
        return f"{VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        version, _, body = stored.partition(".")
        if version != VERSION:
            raise DecryptionError(f"unknown format {version!r}")
        raw = base64.urlsafe_b64decode(body)
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._associated_data).decode()
        except InvalidTag as error:
            raise DecryptionError("the value does not decrypt with this key") from error
