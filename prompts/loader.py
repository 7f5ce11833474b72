"""Prompt templates as files: ``<name>.v<version>.toml`` with ``description``, ``variables``, ``system``, ``user``.

Placeholders are ``str.format`` fields (``{question}``); literal braces are doubled. Loading checks every file
so that a broken template stops the service at start-up instead of failing a user's request later.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

# The templates dalil itself renders; a prompt folder without them is unusable.
REQUIRED_PROMPTS = frozenset({"answer", "language_retry"})

_FILE_NAME = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.toml$")
_KEYS = {"description", "variables", "system", "user"}
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class PromptError(ValueError):
    """A prompt template is missing or malformed; the message names the file and the fix."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    description: str
    variables: frozenset[str]
    system: str
    user: str

    @property
    def label(self) -> str:
        return f"{self.name}.v{self.version}"

    def render(self, **values: object) -> list[dict[str, str]]:
        """Chat messages: the fixed system text (when there is one) and the filled-in user text."""
        if set(values) != self.variables:
            missing, extra = sorted(self.variables - set(values)), sorted(set(values) - self.variables)
            raise PromptError(f"prompt {self.label} needs {sorted(self.variables)}; missing {missing}, extra {extra}")
        messages = [{"role": "system", "content": self.system}] if self.system else []
        messages.append({"role": "user", "content": self.user.format(**{k: str(v) for k, v in values.items()})})
        return messages


@dataclass(frozen=True)
class Prompts:
    """The templates in use, one version per name."""

    templates: Mapping[str, PromptTemplate]

    def __getitem__(self, name: str) -> PromptTemplate:
        return self.templates[name]

    @property
    def versions(self) -> dict[str, int]:
        return {name: template.version for name, template in sorted(self.templates.items())}


def shipped_templates() -> Traversable:
    """The templates that come with dalil, wherever it is installed."""
    return files("dalil.prompts") / "templates"


def load_prompts(folder: Path | Traversable | None = None, pinned: Mapping[str, int] | None = None) -> Prompts:
    """Every template in ``folder`` (default: dalil's own), validated; the newest version of each name unless
    ``pinned`` names one."""
    folder = shipped_templates() if folder is None else folder
    if not folder.is_dir():
        raise PromptError(f"prompt folder {folder} does not exist; set DALIL_PROMPT_DIR to a folder of templates")
    found: dict[str, dict[int, PromptTemplate]] = {}
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name):
        template = load_template(path)
        found.setdefault(template.name, {})[template.version] = template
    chosen = {}
    for name, versions in found.items():
        version = (pinned or {}).get(name, max(versions))
        if version not in versions:
            raise PromptError(f"prompt {name!r} has no version {version} in {folder} (found {sorted(versions)})")
        chosen[name] = versions[version]
    missing = sorted(REQUIRED_PROMPTS - set(chosen))
    if missing:
        raise PromptError(f"prompt folder {folder} lacks {', '.join(f'{m}.v1.toml' for m in missing)}")
    unknown = sorted(set(pinned or {}) - set(chosen))
    if unknown:
        raise PromptError(f"DALIL_PROMPT_VERSIONS names unknown prompts {unknown}")
    return Prompts(chosen)


def load_template(path: Path | Traversable) -> PromptTemplate:
    match = _FILE_NAME.match(path.name)
    if not match:
        raise PromptError(f"{path}: prompt files are named <name>.v<version>.toml, e.g. answer.v2.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: not valid TOML ({exc})") from None
    _check_keys(path, data)
    variables = frozenset(data["variables"])
    if not all(isinstance(v, str) and _IDENTIFIER.match(v) for v in data["variables"]):
        raise PromptError(f"{path}: 'variables' must be a list of lower-case names")
    if _placeholders(path, data["system"]):
        # Article text and questions are untrusted; they must never reach the system role.
        raise PromptError(f"{path}: the system text must not contain placeholders; put them in the user text")
    used = _placeholders(path, data["user"])
    if used != variables:
        raise PromptError(
            f"{path}: the user text uses {sorted(used)} but 'variables' declares {sorted(variables)}; make them match"
        )
    if not data["user"].strip():
        raise PromptError(f"{path}: the user text is empty")
    return PromptTemplate(
        name=match["name"],
        version=int(match["version"]),
        description=data["description"],
        variables=variables,
        system=data["system"].strip(),
        user=data["user"].strip(),
    )


def _check_keys(path: Path, data: dict) -> None:
    missing, extra = sorted(_KEYS - set(data)), sorted(set(data) - _KEYS)
    if missing or extra:
        raise PromptError(f"{path}: keys must be {sorted(_KEYS)}; missing {missing}, unknown {extra}")
    for key in ("description", "system", "user"):
        if not isinstance(data[key], str):
            raise PromptError(f"{path}: {key!r} must be a string")
    if not isinstance(data["variables"], list):
        raise PromptError(f"{path}: 'variables' must be a list of names")


def _placeholders(path: Path, text: str) -> set[str]:
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)]
    except ValueError as exc:
        raise PromptError(f"{path}: bad placeholder ({exc}); write literal braces as {{{{ and }}}}") from None
    names = set()
    for name, spec, conversion in fields:
        if name is None:
            continue
        if not _IDENTIFIER.match(name) or spec or conversion:
            raise PromptError(f"{path}: placeholder {{{name}}} must be a plain name like {{question}}")
        names.add(name)
    return names
