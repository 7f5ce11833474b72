"""Request dependencies: the settings and the loaded index, both kept on ``app.state`` by the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dalil.settings import Settings
from index.loaded import LoadedIndex
from service.errors import IndexNotLoaded, too_long


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_index(request: Request) -> LoadedIndex:
    index = getattr(request.app.state, "index", None)
    if index is None:
        raise IndexNotLoaded(getattr(request.app.state, "index_error", None) or "the service has not started")
    return index


SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]


def check_length(field: str, value: str, settings: Settings) -> str:
    """Refuse a question or query over ``DALIL_MAX_QUESTION_CHARS`` with the usual 422."""
    if len(value) > settings.max_question_chars:
        raise too_long(field, value, settings.max_question_chars)
    return value
