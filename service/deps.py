"""Request dependencies: the settings, the loaded index and the answerers, kept on ``app.state`` by the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dalil.index.loaded import LoadedIndex
from dalil.qa import Answerers
from dalil.service.errors import IndexNotLoaded
from dalil.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_index(request: Request) -> LoadedIndex:
    index = getattr(request.app.state, "index", None)
    if index is None:
        raise IndexNotLoaded(getattr(request.app.state, "index_error", None) or "the service has not started")
    return index


def get_answerers(request: Request) -> Answerers:
    return request.app.state.answerers


SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
AnswerersDep = Annotated[Answerers, Depends(get_answerers)]
