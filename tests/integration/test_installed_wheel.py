"""The wheel holds one top-level package, and installed from it dalil works from any folder.

The wheel is built from this checkout and installed (without dependencies, which the test environment has) into a
folder of its own; dalil then runs from /tmp with only that folder ahead of the dependencies on its path, so
nothing is read from the checkout: not its code, its prompt templates, its widget files or its paths.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy of the sources, so no build folder is left in (or reused from) the checkout.
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values():
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip_wheel, "-w", str(out), str(source)], check=True, capture_output=True)
    (built,) = out.glob("dalil-*.whl")
    return built


def test_the_wheel_holds_only_the_dalil_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"dalil", wheel.name.split("-py")[0] + ".dist-info"}
    for expected in (
        "dalil/index/protocols.py",
        "dalil/index/stores/faiss_sqlite/store.py",
        "dalil/prompts/templates/answer.v1.toml",
        "dalil/service/static/widget.js",
        "dalil/service/static/demo.html",
    ):
        assert expected in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[dalil.stores]" in entry_points and "faiss = dalil.index.stores.faiss_sqlite:FaissStore" in entry_points


def test_installed_from_the_wheel_it_answers_from_another_folder(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env["PYTHONPATH"] = str(site)

    def dalil(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dalil.cli", *args], cwd=workdir, env=env, capture_output=True, text=True
        )

    located = subprocess.run(
        [sys.executable, "-c", "import dalil.index.protocols as m, dalil.prompts.loader as p; print(m.__file__); "
         "print(p.shipped_templates())"],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert all(path.startswith(str(site)) for path in located)

    built = dalil("index", "build", "--source", str(ROOT / "data" / "articles"))
    assert built.returncode == 0, built.stderr
    assert (workdir / "var" / "index" / "CURRENT").is_symlink()  # the default index folder is under the working one
    asked = dalil("ask", "--json", "متى وقعت روسيا وأرمينيا اتفاق الدفاع الجوي؟")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and answer["citations"]
    assert all(c["quote"] in answer["answer"] for c in answer["citations"])
