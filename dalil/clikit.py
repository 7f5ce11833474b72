"""Pieces the command-line apps share: settings, loading with readable failures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from dalil.plugins import PluginError
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
    from dalil.index.embedders import load_embedder
    from dalil.index.protocols import EmbedderUnavailable

    try:
        return load_embedder(settings)
    except (EmbedderUnavailable, PluginError, ValueError) as exc:
        raise fail(str(exc)) from exc


def store_or_exit(settings: Settings):
    from dalil.index.stores import load_store

    try:
        return load_store(settings)
    except (PluginError, ValueError) as exc:
        raise fail(str(exc)) from exc


def readers_or_exit(settings: Settings):
    from dalil.index.readers import load_readers

    try:
        return load_readers(settings)
    except (PluginError, ValueError) as exc:
        raise fail(str(exc)) from exc


def index_or_exit(settings: Settings):
    from dalil.index.loaded import open_index
    from dalil.index.manifest import ManifestMismatch
    from dalil.index.protocols import IndexUnavailable

    try:
        return open_index(settings, embedder_or_exit(settings), store_or_exit(settings))
    except (IndexUnavailable, ManifestMismatch) as exc:
        raise fail(str(exc)) from exc


def answerers_or_exit(settings: Settings, backend: str | None):
    """The answerers built from the settings and the one ``backend`` names, or a readable exit."""
    from dalil.prompts import PromptError
    from dalil.qa import Answerers, BackendUnavailable

    try:
        answerers = Answerers.from_settings(settings)
        return answerers, answerers.choose(backend)
    except (PromptError, BackendUnavailable, ValueError) as exc:
        raise fail(str(exc)) from exc
