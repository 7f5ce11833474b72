"""Pieces the command-line apps share: settings, loading with readable failures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from dalil.settings import Settings

errors = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print a readable error; raise the returned Exit to stop with status 1."""
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


def settings_for(index: Path | None = None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"index_dir": index}) if index else settings


def embedder_or_exit(settings: Settings):
    from index.embedder import EmbedderUnavailable, load_embedder

    try:
        return load_embedder(settings)
    except EmbedderUnavailable as exc:
        raise fail(str(exc)) from exc


def index_or_exit(settings: Settings):
    from index.loaded import IndexUnavailable, open_index
    from index.manifest import ManifestMismatch

    try:
        return open_index(settings, embedder_or_exit(settings))
    except (IndexUnavailable, ManifestMismatch) as exc:
        raise fail(str(exc)) from exc


def llm_or_exit(settings: Settings, backend: str):
    """The configured LLM backend (None when none is configured), after checking ``backend`` can be served."""
    from prompts import PromptError
    from qa.llm_backend import BackendUnavailable, choose_backend, llm_from_settings

    try:
        llm = llm_from_settings(settings)
        choose_backend(backend, llm)
    except (PromptError, BackendUnavailable, ValueError) as exc:
        raise fail(str(exc)) from exc
    return llm
