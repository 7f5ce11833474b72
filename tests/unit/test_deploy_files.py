"""The deployment files cannot be run here (no Docker daemon), so what they say is checked against the code:
each setting they set exists, each dalil command they run exists, and the image holds every source folder."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dalil.cli import app
from dalil.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = [ROOT / "compose.yaml", ROOT / "deploy" / "compose.yaml"]


def _services(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["services"]


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_setting_in_a_compose_file_is_one_dalil_reads(path):
    fields = {f"DALIL_{name.upper()}" for name in Settings.model_fields}
    for name, service in _services(path).items():
        for key, value in (service.get("environment") or {}).items():
            if key.startswith("DALIL_"):
                assert key in fields, f"{name} sets {key}, which dalil does not read"
                if key == "DALIL_TRUSTED_PROXIES":  # a JSON list inside YAML: easy to get wrong
                    assert Settings(trusted_proxies=yaml.safe_load(value)).trusted_proxies


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_dalil_command_in_a_compose_file_exists(path):
    commands = [s["command"] for s in _services(path).values() if s.get("command", [None])[0] == "dalil"]
    assert commands
    for command in commands:
        result = CliRunner().invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, f"`{' '.join(command)}`: {result.output}"


def test_the_replicas_share_one_database_and_the_proxy_streams_answers():
    services = _services(ROOT / "deploy" / "compose.yaml")
    assert services["dalil"]["environment"]["DALIL_STORE"] == "postgres"
    assert services["dalil"]["environment"] == services["migrate"]["environment"]
    assert services["dalil"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    stream = re.search(r"location /v1/ask/stream \{(.*?)\}", nginx, re.S)
    assert stream and "proxy_buffering off" in stream.group(1)


def test_the_image_copies_every_source_folder_of_the_package():
    folders = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values())
    copied = set(re.findall(r"^COPY (\w+) \1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert folders <= copied, folders - copied
