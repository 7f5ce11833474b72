"""API keys: what a store keeps for them, and how a key is made and checked.

A key reads ``dalil_<id>_<secret>``: the id (public, shown by ``dalil keys list``) finds the record, the secret is
checked against its SHA-256 in constant time. Only the hash is stored, so a key is shown once, when made. The
secret is 32 random bytes, so a plain hash suffices (no password stretching: nothing to guess).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from dalil.index.manifest import now

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")  # each includes the ones before it
PREFIX = "dalil_"


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    scope: Scope
    created: str
    revoked: str | None = None

    def allows(self, needed: Scope) -> bool:
        return self.revoked is None and SCOPES.index(self.scope) >= SCOPES.index(needed)


class UnknownKey(LookupError):
    @classmethod
    def for_matches(cls, found: int, id_or_name: str) -> "UnknownKey":
        """The error for a revocation that matched ``found`` live keys instead of one."""
        why = "no live key has" if not found else f"{found} live keys have"
        return cls(f"{why} the id or name {id_or_name!r}; `dalil keys list` shows them")


class KeyStore(Protocol):
    """Where a store keeps API keys, beside the index and outside its snapshots: a key made or revoked is seen
    by a running service at its next request."""

    def create(self, name: str, scope: Scope) -> tuple[KeyRecord, str]:
        """A new key's record and the key itself (the only time it is shown)."""
        ...

    def list(self) -> list[KeyRecord]: ...

    def revoke(self, id_or_name: str) -> KeyRecord:
        """Revoke by id or by name (``UnknownKey`` when neither matches a live key)."""
        ...

    def verify(self, key: str) -> KeyRecord | None:
        """The record of a well-formed, known, unrevoked key; None otherwise."""
        ...


def new_key() -> tuple[str, str, str]:
    """(id, key, hash of its secret)."""
    key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    return key_id, f"{PREFIX}{key_id}_{secret}", digest(secret)


def split_key(key: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key."""
    if not key.startswith(PREFIX):
        return None
    key_id, _, secret = key[len(PREFIX) :].partition("_")
    return (key_id, secret) if key_id and secret else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def check_name(name: str) -> str:
    if not name.strip():
        raise ValueError("a key needs a name, saying who or what uses it")
    return name.strip()


def check_scope(scope: str) -> Scope:
    if scope not in SCOPES:
        raise ValueError(f"a key's scope is one of {', '.join(SCOPES)} (got {scope!r})")
    return scope  # type: ignore[return-value]


COLUMNS = "id, name, scope, created, revoked"


class SqlKeys:
    """A ``KeyStore`` in an ``api_keys`` table (id, name, scope, digest, created, revoked) of any SQL database whose
    connections run ``execute(sql, params)``; a store gives ``transaction()`` (a connection committed at the end of
    the block) and its placeholder (``?`` or ``%s``)."""

    placeholder = "?"

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)

    def create(self, name: str, scope: Scope) -> tuple[KeyRecord, str]:
        key_id, key, digest = new_key()
        record = KeyRecord(key_id, check_name(name), check_scope(scope), now())
        with self.transaction() as db:
            db.execute(
                self._sql("INSERT INTO api_keys (id, name, scope, digest, created) VALUES (?, ?, ?, ?, ?)"),
                (record.id, record.name, record.scope, digest, record.created),
            )
        return record, key

    def list(self) -> list[KeyRecord]:
        with self.transaction() as db:
            return [KeyRecord(*row) for row in db.execute(f"SELECT {COLUMNS} FROM api_keys ORDER BY created, id")]

    def revoke(self, id_or_name: str) -> KeyRecord:
        with self.transaction() as db:
            rows = db.execute(
                self._sql(f"SELECT {COLUMNS} FROM api_keys WHERE (id = ? OR name = ?) AND revoked IS NULL"),
                (id_or_name, id_or_name),
            ).fetchall()
            if len(rows) != 1:
                raise UnknownKey.for_matches(len(rows), id_or_name)
            revoked = now()
            db.execute(self._sql("UPDATE api_keys SET revoked = ? WHERE id = ?"), (revoked, rows[0][0]))
        return KeyRecord(*rows[0][:4], revoked=revoked)

    def verify(self, key: str) -> KeyRecord | None:
        parts = split_key(key)
        if parts is None:
            return None
        key_id, secret = parts
        with self.transaction() as db:
            row = db.execute(self._sql(f"SELECT {COLUMNS}, digest FROM api_keys WHERE id = ?"), (key_id,)).fetchone()
        if row is None or not matches(secret, row[5]) or row[4] is not None:
            return None
        return KeyRecord(*row[:5])
