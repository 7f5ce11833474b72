"""A damaged index is found out when it is opened, never served as garbage or written to; `dalil index check`
reads it all back."""

import hashlib
import shutil
import sqlite3

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dalil.cli import app as cli
from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.protocols import IndexUnavailable
from dalil.index.stores import load_store
from dalil.index.stores.faiss_sqlite.generations import current_generation
from dalil.service.app import create_app
from dalil.settings import Settings
from tests.conftest import DEMO_ARTICLES


@pytest.fixture(scope="module")
def _pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pristine")
    settings = Settings(index_dir=folder, source_dir=DEMO_ARTICLES, embedder="hash")
    build_index(settings, load_embedder(settings), [DEMO_ARTICLES])
    return folder


@pytest.fixture
def index_copy(_pristine, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(_pristine, folder, symlinks=True)
    return Settings(index_dir=folder, source_dir=DEMO_ARTICLES, embedder="hash")


def _generation(settings):
    return current_generation(settings.index_dir)


def _fingerprint(folder):
    """The index's own files; SQLite's -shm and -wal files are how a reader of a WAL database coordinates with
    writers, and a reader writes no data into them."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith(("-shm", "-wal"))
    }


def _empty(path):
    path.write_bytes(b"")


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _random_bytes(path):
    path.write_bytes(np.random.default_rng(0).bytes(path.stat().st_size))


def _remove(path):
    path.unlink()


def _swap_vector_files(path):
    other = path.with_name("chunks.faiss" if path.name == "sentences.faiss" else "sentences.faiss")
    path.write_bytes(other.read_bytes())


DAMAGE = [
    ("store.sqlite", _empty, "store.sqlite cannot be read"),
    ("store.sqlite", _truncate, "store.sqlite cannot be read"),
    ("sentences.faiss", _random_bytes, "sentences.faiss cannot be read"),
    ("sentences.faiss", _truncate, "sentences.faiss cannot be read"),
    ("sentences.faiss", _swap_vector_files, "sentences.faiss holds"),
    ("chunks.faiss", _remove, "chunks.faiss is missing"),
    ("manifest.json", _truncate, "manifest.json cannot be read"),
]


@pytest.mark.parametrize(("name", "damage", "reason"), DAMAGE, ids=[f"{n}-{d.__name__}" for n, d, _ in DAMAGE])
def test_damage_is_refused_at_open_with_a_plain_reason_and_nothing_written(index_copy, name, damage, reason):
    generation = _generation(index_copy)
    damage(generation / name)
    before = _fingerprint(generation)
    with pytest.raises(IndexUnavailable, match="is damaged") as refused:
        load_store(index_copy).open()
    assert reason in str(refused.value) and "dalil index check" in str(refused.value)
    assert _fingerprint(generation) == before


def test_the_service_answers_503_for_a_damaged_index_and_never_200(index_copy):
    _random_bytes(_generation(index_copy) / "sentences.faiss")
    with TestClient(create_app(index_copy)) as client:
        health = client.get("/healthz")
        asked = client.post("/v1/ask", json={"question": "روسيا"})
    assert health.status_code == 503 and asked.status_code == 503
    assert "damaged" in asked.json()["detail"] and str(index_copy.index_dir) not in asked.json()["detail"]


def test_index_check_passes_a_sound_index_and_reports_a_shifted_offset(index_copy):
    runner = CliRunner()
    args = ["index", "check", "--index", str(index_copy.index_dir)]
    env = {"DALIL_EMBEDDER": "hash"}
    sound = runner.invoke(cli, args, env=env)
    assert sound.exit_code == 0 and "index OK: 4 articles" in sound.output
    database = sqlite3.connect(_generation(index_copy) / "store.sqlite")
    with database:
        database.execute("UPDATE sentences SET start = start + 1 WHERE n = 2")
    database.close()
    broken = runner.invoke(cli, args, env=env)
    assert broken.exit_code == 1
    assert "4 sentences that are not the article text at their offsets" in broken.output


def test_index_check_says_why_a_damaged_index_cannot_be_opened(index_copy):
    _empty(_generation(index_copy) / "store.sqlite")
    result = CliRunner().invoke(
        cli, ["index", "check", "--index", str(index_copy.index_dir)], env={"DALIL_EMBEDDER": "hash"}
    )
    assert result.exit_code == 1 and "store.sqlite cannot be read" in result.output
