"""API keys on requests: ``Authorization: Bearer dalil_…``.

Writes always need a key with the write scope; reads are public unless ``DALIL_PUBLIC_READ=false`` (the widget
on a public site reads without one). A missing or unknown key is 401, too small a scope 403. Keys are checked
against the store on every request, so one made or revoked while the service runs counts at once; they are
never logged.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.exceptions import HTTPException

from dalil.index.keys import KeyRecord, Scope


class Unauthorized(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


def presented_key(request: Request) -> KeyRecord | None:
    """The valid key a request carries (None without one); a malformed, unknown or revoked key is a 401."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the API key as `Authorization: Bearer <key>`")
    record = request.app.state.keys.verify(token.strip())
    if record is None:
        raise Unauthorized("the API key is not valid or has been revoked")
    return record


def require(scope: Scope) -> Callable[[Request], KeyRecord | None]:
    """Route dependency: the request's key must allow ``scope`` (a read may come without one when reads are
    public). The key's record is left on ``request.state.key`` for per-key rate limits."""

    def check(request: Request) -> KeyRecord | None:
        record = presented_key(request)
        request.state.key = record
        if record is None:
            if scope == "read" and request.app.state.settings.public_read:
                return None
            raise Unauthorized(f"this needs an API key with the {scope} scope: `Authorization: Bearer <key>`")
        if not record.allows(scope):
            raise Forbidden(f"the key {record.id} has the {record.scope} scope; this needs {scope}")
        return record

    return check
