"""Password hashing (argon2 via pwdlib) and API tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError

__all__ = [
    "hash_password", "verify_password", "dummy_verify", "new_api_token", "hash_token",
    "new_password",
]

_hasher = PasswordHash.recommended()

TOKEN_PREFIX = "al_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except PwdlibError:  # a malformed or unknown stored hash is a failed login
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def dummy_verify() -> None:
    """Spend the time of one verification, so unknown user names cannot be timed."""
    _hasher.verify("x", _dummy_hash())


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A random password for generated accounts (the demo admin)."""
    return secrets.token_urlsafe(12)
