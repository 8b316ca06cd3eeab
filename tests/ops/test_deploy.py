"""The deploy recipes parse and name only commands, settings and paths that exist.

No container engine is needed: the files are read as data. Building the image is left to a
machine with Docker (see the note in README, "Go live").
"""

from __future__ import annotations

import argparse
import configparser
import json
import re
import shlex
from pathlib import Path

import yaml

from bot.cli import parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {name.upper() for name in Settings.model_fields}


def _commands(top: argparse.ArgumentParser | None = None, prefix: str = "") -> set[str]:
    """Every command path of ``tokobot``: "run", "tokopedia register-webhooks", ..."""
    top = top or parser()
    found: set[str] = set()
    for action in top._actions:  # argparse keeps subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix}{name}"
                found.add(path)
                found |= _commands(sub, f"{path} ")
    return found


COMMANDS = _commands()


def _tokobot_invocations(text: str) -> set[str]:
    """`tokobot <command>` in code: backticks, sh blocks, ExecStart= and `--rm tokobot`."""
    code = [
        *re.findall(r"`([^`\n]+)`", text),
        *re.findall(r"```sh\n(.*?)```", text, re.DOTALL),
        *re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE),
        *re.findall(r"docker compose run --rm (tokobot .+)$", text, re.MULTILINE),
    ]
    found = set()
    for snippet in code:
        for match in re.finditer(
            r"(?:^|[\s/])tokobot ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", snippet
        ):
            first, second = match.group(1), match.group(2)
            found.add(f"{first} {second}" if f"{first} {second}" in COMMANDS else first)
    return found


def test_every_tokobot_command_named_in_the_recipes_and_readme_exists():
    """README, compose, the unit and the Dockerfile name real commands only."""
    named = {
        path: _tokobot_invocations((ROOT / path).read_text())
        for path in ("README.md", "compose.yaml", "Dockerfile", "docs/deploy/tokobot.service")
    }
    for path, words in named.items():
        unknown = {word for word in words if word not in COMMANDS}
        assert not unknown, f"{path} names commands tokobot does not have: {unknown}"
    assert {"doctor", "backup", "tokopedia register-webhooks", "run"} <= named["README.md"]
    assert named["docs/deploy/tokobot.service"] == {"run"}


def test_compose_runs_tokobot_with_postgres_16_volumes_and_the_env_file():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    tokobot, db = compose["services"]["tokobot"], compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    assert tokobot["env_file"] == ".env"
    assert tokobot["command"][0] in COMMANDS
    assert set(tokobot["environment"]) <= SETTINGS
    assert tokobot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert tokobot["depends_on"]["db"]["condition"] == "service_healthy"
    named_volumes = set(compose["volumes"])
    for service in (tokobot, db):
        (volume,) = service["volumes"]
        assert volume.split(":")[0] in named_volumes
    # Published on loopback only: the HTTPS proxy is the public door.
    assert all(port.startswith("127.0.0.1:") for port in tokobot["ports"])


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((ROOT / "docs/deploy/tokobot.service").read_text())
    return unit


def test_the_systemd_unit_restarts_sandboxed_with_a_state_directory():
    service = _unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert service["DynamicUser"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "tokobot"
    assert service["WorkingDirectory"] == "/var/lib/tokobot"
    program, *arguments = shlex.split(service["ExecStart"])
    assert program.endswith("/tokobot")
    assert " ".join(arguments) in COMMANDS
    text = (ROOT / "docs/deploy/tokobot.service").read_text()
    environment = re.findall(r"^Environment=(\w+)=", text, re.MULTILINE)
    assert environment
    assert set(environment) <= SETTINGS
    assert "/var/lib/tokobot/tokobot.db" in text  # the SQLite file lives in the state directory
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_the_dockerfile_is_slim_non_root_checked_and_runs_tokobot():
    instructions = _dockerfile()
    bases = [arg.split()[0] for op, arg in instructions if op == "FROM"]
    assert all(re.fullmatch(r"python:3\.1[1-9]-slim", base) for base in bases)
    (user,) = [arg for op, arg in instructions if op == "USER"]
    assert user not in {"root", "0"}
    (health,) = [arg for op, arg in instructions if op == "HEALTHCHECK"]
    assert "/healthz" in health
    command = json.loads(health.split("CMD", 1)[1])
    compile(command[-1], "<healthcheck>", "exec")  # the Python one-liner is valid
    (entry,) = [json.loads(arg) for op, arg in instructions if op == "ENTRYPOINT"]
    (cmd,) = [json.loads(arg) for op, arg in instructions if op == "CMD"]
    assert entry == ["tokobot"]
    assert cmd == ["run"]
    for op, arg in instructions:
        if op == "COPY" and not arg.startswith("--from"):
            *sources, _ = arg.split()
            assert all((ROOT / source).exists() for source in sources), arg
        if op == "ENV":
            assert {pair.split("=")[0] for pair in arg.split() if "=" in pair} - {
                "PYTHONDONTWRITEBYTECODE",
                "PYTHONUNBUFFERED",
            } <= SETTINGS


def test_readme_docker_commands_match_the_image_and_compose():
    """What README tells operators to type works with this Dockerfile and compose file."""
    readme = (ROOT / "README.md").read_text()
    services = set(yaml.safe_load((ROOT / "compose.yaml").read_text())["services"])
    runs = re.findall(r"docker compose run --rm (\S+) ([a-z][a-z -]*[a-z])", readme)
    assert runs, "README shows how to run tokobot commands in the container"
    for service, command in runs:
        assert service in services
        assert command in COMMANDS or command.split()[0] in COMMANDS
    assert "docker compose up -d" in readme


def test_caddy_forwards_only_the_public_paths():
    """/webhooks/, /oauth/ and /telegram go to tokobot; /healthz/details and /metrics do not."""
    text = (ROOT / "docs/deploy/Caddyfile").read_text()
    (matcher,) = re.findall(r"^\s*@public path (.+)$", text, re.MULTILINE)
    forwarded = matcher.split()
    assert forwarded == ["/webhooks/*", "/oauth/*", "/telegram"]

    def matches(path: str) -> bool:
        return any(path.startswith(p[:-1]) if p.endswith("*") else path == p for p in forwarded)

    for public in (
        "/webhooks/tokopedia/chat",
        "/webhooks/tiktokshop",
        "/oauth/tiktokshop/callback",
        "/telegram",
    ):
        assert matches(public)
    for private in ("/healthz/details", "/metrics", "/healthz"):
        assert not matches(private)
    assert re.search(r"handle \{\s*respond 404\s*\}", text)
    assert "reverse_proxy 127.0.0.1:8080" in text
