"""Password hashing (Argon2id) and the password policy."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"

_PROFILES = {
    "rfc9106_low_memory": argon2.profiles.RFC_9106_LOW_MEMORY,
    "cheapest": argon2.profiles.CHEAPEST,  # tests only
}


@lru_cache(maxsize=4)
def _hasher(profile: str) -> argon2.PasswordHasher:
    return argon2.PasswordHasher.from_parameters(_PROFILES[profile])


def hasher() -> argon2.PasswordHasher:
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Say why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in common_passwords():
        return "This password is too common; choose one that is harder to guess."
    return None


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    # An unknown account still costs one hash, so timing does not reveal which emails exist.
    candidate = stored_hash or _dummy_hash(current_app.config["PASSWORD_HASH_PROFILE"])
    try:
        return hasher().verify(candidate, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=4)
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("not-a-real-password-timing-equaliser")
