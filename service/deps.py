"""Request dependencies: the settings, the loaded index and the answerers, kept on ``app.state`` by the app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from dalil.index.loaded import LoadedIndex
from dalil.qa import Answerers
from dalil.service.auth import require
from dalil.service.errors import IndexNotLoaded
from dalil.service.guards import question_slot
from dalil.service.ratelimit import limit_questions
from dalil.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_index(request: Request) -> Iterator[LoadedIndex]:
    """The snapshot current when the request came in, kept open until its response is sent (a stream included),
    whatever is published meanwhile."""
    snapshots = request.app.state.snapshots
    with snapshots.use() as index:
        if index is None:
            raise IndexNotLoaded(snapshots.error or "the service has not started")
        yield index


def get_answerers(request: Request) -> Answerers:
    return request.app.state.answerers


SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
AnswerersDep = Annotated[Answerers, Depends(get_answerers)]


# What every question route (ask, stream, search) depends on, in this order: a key where reads need one, the
# rate limit of that key or address, then a question slot.
QUESTION_GUARDS = [Depends(require("read")), Depends(limit_questions), Depends(question_slot)]
