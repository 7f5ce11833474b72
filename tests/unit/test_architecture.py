"""The shape of the package: one installed package, seams that import no implementation, no import cycles.

Imports are read from the source (every import statement, including those under ``TYPE_CHECKING`` and inside
functions), so a cycle cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
# Modules that define a seam may import only the registry, other seams and the plain data they speak of
# (``dalil.qa.prepare`` for its ``Prepared`` question), never an implementation.
SEAM_MODULES = {"dalil.plugins", "dalil.index.protocols", "dalil.qa.protocols"}
SEAM_MAY_IMPORT = {"dalil.plugins", "dalil.index.protocols", "dalil.index.manifest", "dalil.index.types",
                   "dalil.index.keys", "dalil.index.jobs", "dalil.index.fetched",
                   "dalil.qa.events", "dalil.qa.prepare"}  # fmt: skip


def _modules() -> dict[str, Path]:
    """Every module of the installed package, by dotted name, from pyproject's package-dir mapping."""
    found = {}
    for package, folder in SETUPTOOLS["package-dir"].items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports (``from pkg import sub`` counts as importing pkg.sub)."""
    edges = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            edges.update(alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if target in MODULES:
                    edges.add(target)
                elif node.module in MODULES:
                    edges.add(node.module)
    edges.discard(name)
    return edges


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_wheel_lists_every_package_folder():
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    data = {"dalil.prompts.templates", "dalil.service.static", "dalil.index.embedders.data"}
    assert packages | data == set(SETUPTOOLS["packages"])
    assert set(PYPROJECT["tool"]["setuptools"]["package-data"]) == data
    assert all(name.split(".")[0] == "dalil" for name in SETUPTOOLS["packages"])


def test_there_are_no_import_cycles():
    # Package faces (__init__.py re-exporting their children) are left out: importing a child runs its parent's
    # __init__ first whatever the parent imports, so those edges are not a choice of the code.
    faces = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    graph = {name: {t for t in targets if t not in faces} for name, targets in GRAPH.items() if name not in faces}
    state: dict[str, str] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("seam", sorted(SEAM_MODULES))
def test_seams_import_no_implementation(seam):
    assert GRAPH[seam] <= SEAM_MAY_IMPORT, GRAPH[seam] - SEAM_MAY_IMPORT


def test_nothing_imports_the_repository_folders_as_top_level_packages():
    folders = {folder for folder in SETUPTOOLS["package-dir"].values() if folder != "dalil"}
    offenders = []
    for path in [*MODULES.values(), *ROOT.glob("bench/*.py"), *ROOT.glob("tests/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in folders]
    assert offenders == []
