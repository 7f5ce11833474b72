"""Registries of named implementations, filled from entry points: dalil's own and any installed package's.

A package adds an embedder, reader, store or answerer by declaring an entry point, e.g. in its pyproject.toml::

    [project.entry-points."dalil.embedders"]
    my-model = "my_package.embedding:MyEmbedder.from_settings"

and the settings pick it by name (``DALIL_EMBEDDER=my-model``). dalil's built-ins are declared the same way.
Each seam's registry sits beside its protocol: ``dalil.index.protocols`` (embedders, readers, stores) and
``dalil.qa.protocols`` (answerers).
Nothing is imported until a name is asked for, and entry points are read afresh each time, so nothing is
cached between calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")
DALIL_DISTRIBUTION = "dalil"


class PluginError(RuntimeError):
    """A name that no installed package provides, or a plug-in that fails to load; the message says which."""


@dataclass(frozen=True)
class Registered:
    name: str
    value: str  # "module:attribute"
    distribution: str | None  # the package that declared it


class Registry(Generic[T]):
    """The implementations of one seam, by name, from the entry-point ``group``.

    ``create(name, *args)`` loads the named factory, calls it, and checks that the result is a ``protocol``.
    When two packages declare one name, dalil's own declaration wins over a plug-in's, so a plug-in cannot
    replace a built-in by accident; it must pick another name.
    """

    def __init__(
        self,
        kind: str,
        group: str,
        protocol: type,
        setting: str,
        discover: Callable[[str], Iterable[EntryPoint]] | None = None,
    ) -> None:
        self.kind = kind
        self.group = group
        self.protocol = protocol
        self.setting = setting
        self._discover = discover or (lambda group: entry_points(group=group))

    def registered(self) -> dict[str, Registered]:
        found: dict[str, tuple[Registered, EntryPoint]] = {}
        for point in self._discover(self.group):
            distribution = point.dist.name if point.dist is not None else None
            entry = Registered(point.name, point.value, distribution)
            if point.name not in found or distribution == DALIL_DISTRIBUTION:
                found[point.name] = (entry, point)
        return {name: entry for name, (entry, _) in sorted(found.items())}

    def names(self) -> list[str]:
        return list(self.registered())

    def factory(self, name: str) -> Callable[..., Any]:
        entry = self.registered().get(name)
        if entry is None:
            known = ", ".join(self.names()) or "none"
            raise PluginError(
                f"{self.setting}: no {self.kind} named {name!r} is installed (installed: {known}); "
                f"a package provides one through the {self.group!r} entry point group"
            )
        try:
            return EntryPoint(entry.name, entry.value, self.group).load()
        except (ImportError, AttributeError) as exc:
            raise PluginError(
                f"the {self.kind} {name!r} from package {entry.distribution or '?'} could not be loaded "
                f"({entry.value}: {exc}); reinstall that package or choose another {self.kind} in {self.setting}"
            ) from exc

    def create(self, name: str, *args: Any) -> T:
        made = self.factory(name)(*args)
        if not isinstance(made, self.protocol):
            raise PluginError(
                f"the {self.kind} {name!r} made a {type(made).__name__}, which does not implement "
                f"{self.protocol.__name__} (see {self.protocol.__module__})"
            )
        return made
