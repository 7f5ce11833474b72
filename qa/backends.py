"""Which answerer answers a request: one named by ``backend``, or the ``auto`` policy over them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from dalil.plugins import PluginError
from dalil.qa.protocols import ANSWERERS, Answerer, BackendUnavailable, UnknownBackend
from dalil.settings import Settings

AUTO = "auto"
logger = logging.getLogger("dalil.qa")


@dataclass(frozen=True)
class Answerers:
    """The answerers this process can use, why the others can't, and the ``auto`` order."""

    usable: Mapping[str, Answerer]
    unusable: Mapping[str, str]  # name -> why it cannot answer (not configured, failed to load)
    auto_order: tuple[str, ...]
    default: str = AUTO

    @classmethod
    def from_settings(cls, settings: Settings, given: Mapping[str, Answerer] | None = None) -> "Answerers":
        """Every registered answerer built from the settings, with ``given`` ones in place of those names."""
        given = dict(given or {})
        usable: dict[str, Answerer] = {}
        unusable: dict[str, str] = {}
        for name in dict.fromkeys([*ANSWERERS.names(), *given]):
            if name in given:
                usable[name] = given[name]
                continue
            try:
                usable[name] = ANSWERERS.create(name, settings)
            except (BackendUnavailable, PluginError) as exc:
                unusable[name] = str(exc)
                if isinstance(exc, PluginError):
                    logger.warning("answerer %r is unusable: %s", name, exc)
        answerers = cls(usable, unusable, tuple(settings.auto_order), settings.backend)
        for name, setting in [
            (settings.backend, "DALIL_BACKEND"),
            *((n, "DALIL_AUTO_ORDER") for n in settings.auto_order),
        ]:
            if name not in answerers.names():
                raise UnknownBackend(f"{setting} names {name!r}, which is none of {', '.join(answerers.names())}")
        return answerers

    def names(self) -> list[str]:
        return [AUTO, *sorted({*self.usable, *self.unusable})]

    def choose(self, requested: str | None = None) -> Answerer:
        name = requested or self.default
        if name == AUTO:
            for candidate in self.auto_order:
                answerer = self.usable.get(candidate)
                if answerer is not None and answerer.available():
                    return answerer
            raise BackendUnavailable(
                f"no answerer of DALIL_AUTO_ORDER ({', '.join(self.auto_order)}) can answer now; "
                f"ask with one of: {', '.join(self.usable) or 'none'}"
            )
        if name in self.usable:
            return self.usable[name]
        if name in self.unusable:
            raise BackendUnavailable(self.unusable[name])
        raise UnknownBackend(f"backend must be one of {', '.join(self.names())} (got {name!r})")
