"""Request dependencies: the settings, the loaded index and the optional LLM, kept on ``app.state`` by the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dalil.settings import Settings
from index.loaded import LoadedIndex
from qa import LLMBackend
from service.errors import IndexNotLoaded, too_long


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_index(request: Request) -> LoadedIndex:
    index = getattr(request.app.state, "index", None)
    if index is None:
        raise IndexNotLoaded(getattr(request.app.state, "index_error", None) or "the service has not started")
    return index


def get_llm(request: Request) -> LLMBackend | None:
    return getattr(request.app.state, "llm", None)


SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
LLMDep = Annotated[LLMBackend | None, Depends(get_llm)]


def check_length(field: str, value: str, settings: Settings) -> str:
    """Refuse a question or query over ``DALIL_MAX_QUESTION_CHARS`` with the usual 422."""
    if len(value) > settings.max_question_chars:
        raise too_long(field, value, settings.max_question_chars)
    return value
