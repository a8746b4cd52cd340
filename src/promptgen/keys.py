"""API keys: stored hashed, each with a scope and the Libraries it may use.

The keys file (``PROMPTGEN_API_KEYS_FILE``) is JSON written by ``promptgen keys create``: only a
key's SHA-256 digest is kept, never the key, which is shown once when it is made. Scopes grow:
``read`` (precompute, list and search), ``ingest`` (also upload) and ``admin`` (also delete, and
Library details in ``/health/deep``). ``libraries`` lists the Library names a key may use;
``*`` means every Library. Keys from ``PROMPTGEN_API_KEYS`` and files in the older format (one
key per line) are admin keys for every Library.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from promptgen.errors import InvalidInput, KeyNotFound

Scope = Literal["read", "ingest", "admin"]
SCOPES: tuple[str, ...] = get_args(Scope)  # each allows what the ones before it allow
EVERY_LIBRARY = "*"
# A public prefix that marks our keys (bandit reads any string named like this as a password).
SECRET_PREFIX = "pgk_"  # nosec B105


def digest(secret: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One key as stored: a public id, a name, the digest, its scope and Libraries."""

    id: str
    name: str
    digest: str
    scope: Scope
    libraries: tuple[str, ...]
    created_at: str

    def allows(self, scope: Scope) -> bool:
        """Whether this key's scope includes ``scope``."""
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    def may_use(self, library: str) -> bool:
        """Whether this key may use the Library named ``library``."""
        return EVERY_LIBRARY in self.libraries or library in self.libraries

    @property
    def every_library(self) -> bool:
        """True when the key is not limited to named Libraries."""
        return EVERY_LIBRARY in self.libraries


def legacy_key(secret: str) -> ApiKey:
    """A key given in plain text (PROMPTGEN_API_KEYS, or an old one-per-line file): admin, *."""
    hashed = digest(secret)
    return ApiKey(f"k_{hashed[:8]}", "legacy", hashed, "admin", (EVERY_LIBRARY,), "")


class KeyFile:
    """The JSON file of hashed keys; every write replaces it atomically (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[ApiKey]:
        """Every key in the file ([] when there is no file)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            raw = json.loads(text)
        except ValueError:
            # The older format: one plain key per line, # for comments.
            lines = (line.strip() for line in text.splitlines())
            return [legacy_key(line) for line in lines if line and not line.startswith("#")]
        try:
            return [
                ApiKey(
                    str(k["id"]),
                    str(k.get("name", "")),
                    str(k["digest"]),
                    _scope(k["scope"]),
                    tuple(str(name) for name in k["libraries"]),
                    str(k.get("created_at", "")),
                )
                for k in raw["keys"]
            ]
        except (KeyError, TypeError, InvalidInput) as exc:
            raise InvalidInput(f"{self.path} is not a keys file: {exc}") from exc

    def create(self, *, name: str, scope: str, libraries: list[str]) -> tuple[ApiKey, str]:
        """A new key and its secret (shown once; only the digest is stored)."""
        if not libraries:
            raise InvalidInput("name the Libraries the key may use (--library NAME, or '*')")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            f"k_{secrets.token_hex(4)}",
            name,
            digest(secret),
            _scope(scope),
            tuple(dict.fromkeys(libraries)),
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self._save([*self.load(), key])
        return key, secret

    def revoke(self, key_id: str) -> ApiKey:
        """Remove the key ``key_id``; KeyNotFound when there is none."""
        keys = self.load()
        kept = [k for k in keys if k.id != key_id]
        if len(kept) == len(keys):
            raise KeyNotFound(f"no key with id {key_id} in {self.path}")
        self._save(kept)
        return next(k for k in keys if k.id == key_id)

    def _save(self, keys: list[ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"keys": [asdict(k) | {"libraries": list(k.libraries)} for k in keys]}
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(body, out, indent=2)
        temporary.replace(self.path)


def _scope(value: object) -> Scope:
    if value == "read" or value == "ingest" or value == "admin":
        return value
    raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}, not {value!r}")
