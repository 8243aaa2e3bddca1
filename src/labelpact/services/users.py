"""Use cases of the service's identities: add a user with an API key (shown once), list, revoke, authenticate.

A key is ``lp_<key id>_<secret>``: the key id (16 hex digits) is stored in clear to find the user, the
secret only as a salted scrypt hash (RFC 7914), compared in constant time (``hmac.compare_digest``). A
verified key is remembered per process (as a SHA-256 of salt and secret) so a request costs one lookup,
not one scrypt; the revocation is read from the store on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from labelpact.errors import InvalidInputError
from labelpact.services.access import UnauthenticatedError, principal_of
from labelpact.store import Store, UserRecord

__all__ = [
    "KeyVerifier",
    "UnauthenticatedError",
    "UserAdded",
    "add_user",
    "authenticate",
    "authenticate_key_id",
    "hash_secret",
    "list_users",
    "parse_role",
    "revoke_user",
    "user_dict",
]

KEY_PREFIX = "lp"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32, "maxmem": 64 * 1024 * 1024}
_MAX_NAME = 200
_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class UserAdded:
    """A new user and its API key, which is shown this once and never stored."""

    user: UserRecord
    key: str


def hash_secret(secret: str, salt: str) -> str:
    """The scrypt hash (hex) of a key's secret with ``salt`` (hex)."""
    return hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), **_SCRYPT).hex()


def parse_role(role: str) -> tuple[str, str | None]:
    """``admin`` | ``client`` | ``partner:NAME`` -> (role, partner name or None)."""
    text = role.strip()
    if text in ("admin", "client"):
        return text, None
    if text.startswith("partner:") and text.removeprefix("partner:").strip():
        name = text.removeprefix("partner:").strip()
        return f"partner:{name}", name
    raise InvalidInputError(
        "a role admin, client or partner:NAME", column="role", column_kind="field", got=repr(role)
    )


def add_user(store: Store, name: str, *, role: str) -> UserAdded:
    """Create user ``name`` with ``role``; a partner role names an existing partner (the error lists them)."""
    name = name.strip()
    if not name or len(name) > _MAX_NAME or not name.isprintable():
        raise InvalidInputError(
            f"a printable user name of 1 to {_MAX_NAME} characters",
            column="name",
            column_kind="field",
            got=repr(name),
        )
    canonical, partner = parse_role(role)
    if partner is not None:
        partner = store.get_partner(partner).name
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    record = store.add_user(
        name, role=canonical, partner=partner, key_id=key_id, salt=salt, digest=hash_secret(secret, salt)
    )
    return UserAdded(user=record, key=f"{KEY_PREFIX}_{key_id}_{secret}")


def list_users(store: Store) -> list[UserRecord]:
    return store.list_users()


def revoke_user(store: Store, name: str) -> UserRecord:
    """Revoke ``name``'s key for good (the user stays in the list, marked revoked)."""
    return store.revoke_user(name)


def user_dict(record: UserRecord) -> dict[str, Any]:
    """A user as JSON-ready data: never the key, its salt or its hash."""
    return {
        "id": record.name,
        "user": record.name,
        "role": record.role,
        "partner": record.partner,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "revoked_at": None if record.revoked_at is None else record.revoked_at.isoformat(),
    }


class KeyVerifier:
    """Remembers keys already verified by scrypt in this process (bounded; thread-safe)."""

    def __init__(self) -> None:
        self._seen: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def verify(self, user: UserRecord, secret: str) -> bool:
        quick = hashlib.sha256(bytes.fromhex(user.key_salt) + secret.encode()).digest()
        with self._lock:
            known = self._seen.get(user.key_id)
        if known is not None:
            return hmac.compare_digest(known, quick)
        if not hmac.compare_digest(hash_secret(secret, user.key_salt), user.key_hash):
            return False
        with self._lock:
            if len(self._seen) >= _CACHE_SIZE:
                self._seen.clear()
            self._seen[user.key_id] = quick
        return True


def authenticate(store: Store, key: str | None, verifier: KeyVerifier) -> UserRecord:
    """The user holding ``key``; ``UnauthenticatedError`` (one line, no key in it) otherwise."""
    if not key:
        raise UnauthenticatedError("an API key is required: send 'Authorization: Bearer KEY'")
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 16 or not parts[2]:
        raise UnauthenticatedError("the API key is malformed; keys come from 'labelpact user add'")
    user = store.find_user_by_key_id(parts[1])
    if user is None or not verifier.verify(user, parts[2]):
        raise UnauthenticatedError("the API key is not valid")
    return _not_revoked(user)


def authenticate_key_id(store: Store, key_id: str) -> UserRecord:
    """The user of a dashboard session, by the key id it signed in with (its secret was checked then):
    ``UnauthenticatedError`` once that key is revoked or gone, so revoking ends its sessions at once."""
    user = store.find_user_by_key_id(key_id)
    if user is None:
        raise UnauthenticatedError("the API key of this session no longer exists")
    return _not_revoked(user)


def _not_revoked(user: UserRecord) -> UserRecord:
    if user.revoked_at is not None:
        raise UnauthenticatedError(f"the API key of user {user.name!r} was revoked", who=principal_of(user))
    return user
