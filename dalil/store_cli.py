"""``dalil store …``: set up a store's database and move an index between stores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dalil.clikit import fail, settings_for, store_or_exit
from dalil.settings import Settings

app = typer.Typer(help="The store that keeps the index (DALIL_STORE): its schema, moving between stores.")
console = Console()

SPEC_HELP = "faiss:FOLDER, or postgres (DALIL_DATABASE_URL), or postgres:URL"


@app.command("migrate")
def migrate() -> None:
    """Bring the database of DALIL_STORE=postgres up to this dalil's schema (safe to run again)."""
    from dalil.index.protocols import IndexUnavailable

    store = store_or_exit(settings_for())
    if not hasattr(store, "migrate"):
        raise fail(f"the {store.name} store keeps no database schema: there is nothing to migrate")
    try:
        done = store.migrate()
    except IndexUnavailable as exc:
        raise fail(str(exc)) from exc
    console.print(f"applied migrations {', '.join(map(str, done))}" if done else "the schema is up to date")


@app.command("copy")
def copy(
    source: Annotated[str, typer.Option("--from", help=f"The store to copy: {SPEC_HELP}.")],
    target: Annotated[str, typer.Option("--to", help=f"The store to copy into (its index is replaced): {SPEC_HELP}.")],
) -> None:
    """Copy an index to another store with its vectors (nothing is embedded again), e.g. from the file store
    into PostgreSQL: `dalil store copy --from faiss:var/index --to postgres`."""
    from contextlib import closing

    from dalil.index.protocols import IndexUnavailable
    from dalil.index.stores.copy import copy_index

    source_store, target_store = store_or_exit(_settings(source)), store_or_exit(_settings(target))
    try:
        reader = source_store.open()
    except IndexUnavailable as exc:
        raise fail(str(exc)) from exc
    with (
        closing(reader),
        Progress(
            TextColumn("copying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar,
    ):
        task = bar.add_task("copy", total=None)
        try:
            counts = copy_index(reader, target_store, lambda done, total: bar.update(task, completed=done, total=total))
        except IndexUnavailable as exc:
            raise fail(str(exc)) from exc
    console.print(
        f"copied {counts['documents']:,} articles, {counts['sentences']:,} sentences and {counts['chunks']:,} chunks "
        f"with their vectors from {reader.location}"
    )


def _settings(spec: str) -> Settings:
    """Settings naming the store ``spec`` says, the rest from the environment."""
    name, _, where = spec.partition(":")
    settings = settings_for()
    if name == "faiss":
        return settings.model_copy(update={"store": "faiss"} | ({"index_dir": Path(where)} if where else {}))
    if name == "postgres":
        return settings.model_copy(update={"store": "postgres"} | ({"database_url": SecretStr(where)} if where else {}))
    raise fail(f"unknown store {spec!r}: use {SPEC_HELP}")
