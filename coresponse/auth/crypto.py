"""Sealing small secrets (two-factor keys) at rest with a key derived from SECRET_KEY.

AES-256-GCM from the `cryptography` package, with the key derived from SECRET_KEY by
HKDF-SHA256 and a random 96-bit nonce per message. The "v2:" prefix names the format.

Changing SECRET_KEY makes sealed values unreadable: users then enrol two-factor again
(an administrator resets it for them from the user's page).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PREFIX = "v2"
_NONCE_BYTES = 12


class SealError(ValueError):
    """The sealed value was altered, truncated, or sealed under another key."""


def _key(secret_key: str | bytes) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"coresponse/sealed-secret/v2"
    ).derive(material)


def seal(plaintext: str, secret_key: str | bytes) -> str:
    """Encrypt and authenticate `plaintext`; the result is ASCII, safe for a VARCHAR."""
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(_key(secret_key)).encrypt(nonce, plaintext.encode(), _PREFIX.encode())
    return f"{_PREFIX}:" + base64.urlsafe_b64encode(nonce + ciphertext).decode()


def unseal(sealed: str, secret_key: str | bytes) -> str:
    """The plaintext of a value made by seal(), or SealError if it was tampered with."""
    prefix, _, body = sealed.partition(":")
    if prefix != _PREFIX:
        raise SealError("Unknown sealed-value format.")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except ValueError as error:
        raise SealError("The sealed value is not valid base64.") from error
    if len(raw) <= _NONCE_BYTES + 16:
        raise SealError("The sealed value is truncated.")
    nonce, ciphertext = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    try:
        return AESGCM(_key(secret_key)).decrypt(nonce, ciphertext, _PREFIX.encode()).decode()
    except InvalidTag as error:
        raise SealError("The sealed value was altered or sealed under another key.") from error
