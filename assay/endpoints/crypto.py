"""Endpoint secrets at rest: Fernet, keyed by HKDF-SHA256 from ``SECRET_KEY``.

A secret is encrypted when it is saved and decrypted only in memory, just before a call
to the endpoint. Pages and the API show its ``hint`` (the last four characters) and
nothing else.

Key rotation and its limits: the Fernet key is derived from ``SECRET_KEY``, so changing
``SECRET_KEY`` makes every stored secret unreadable unless the old key is kept in
Django's ``SECRET_KEY_FALLBACKS``; secrets encrypted under a fallback still decrypt, and
``reencrypt`` rewrites one under the current key. A secret whose key is gone cannot be
recovered: the endpoint answers with ``secret_unreadable`` until its owner enters the
secret again. Anyone who reads both the database and ``SECRET_KEY`` can read the secrets;
the encryption protects database dumps and backups, not a compromised server.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_INFO = b"assay model-endpoint secrets v1"
HINT_CHARS = 4
# Below this length the hint would give away too much of the secret.
MIN_HINTED_LENGTH = 12


class SecretUnreadable(Exception):
    """The stored secret was encrypted under a key this server no longer has."""


def _key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_key(str(k))) for k in keys])


def encrypt(plaintext: str) -> str:
    """The stored form of ``plaintext``; empty stays empty (endpoints with no key)."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the secret was encrypted under another SECRET_KEY") from None


def reencrypt(stored: str) -> str:
    """``stored`` re-encrypted under the current key (after a rotation)."""
    if not stored:
        return ""
    try:
        return _fernet().rotate(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the secret was encrypted under another SECRET_KEY") from None


def hint(plaintext: str) -> str:
    """What pages show of a secret: its last four characters, or nothing for short ones."""
    if len(plaintext) < MIN_HINTED_LENGTH:
        return ""
    return plaintext[-HINT_CHARS:]
