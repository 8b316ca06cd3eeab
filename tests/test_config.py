"""Settings: clear errors naming the variable, secrets never echoed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from bot.config import Settings, describe_errors
from tests.conftest import make_settings


def _run_tokobot(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_marketplaces_names_the_choices_and_exits_2(tmp_path):
    """With no MARKETPLACES nothing is assumed: the error names every choice."""
    result = _run_tokobot({}, tmp_path)
    assert result.returncode == 2
    lines = [line.strip() for line in result.stderr.splitlines()]
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"):
        assert sum(line.startswith(name) for line in lines) == 1
    (choice,) = [line for line in lines if line.startswith("MARKETPLACES")]
    assert "tiktokshop" in choice
    assert "tokopedia" in choice
    assert not any(line.startswith("TOKOPEDIA_") for line in lines)


def test_run_without_settings_names_every_missing_variable_and_exits_2(tmp_path):
    """`tokobot run` lists each required variable of the chosen marketplace, one per line."""
    result = _run_tokobot({"MARKETPLACES": "tokopedia"}, tmp_path)
    assert result.returncode == 2
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_CHAT_ID",
        "TOKOPEDIA_APP_ID",
        "TOKOPEDIA_CLIENT_ID",
        "TOKOPEDIA_CLIENT_SECRET",
        "TOKOPEDIA_WEBHOOK_SECRET",
    ):
        assert sum(line.strip().startswith(name) for line in result.stderr.splitlines()) == 1


def test_invalid_values_are_explained_without_echoing_secrets(tmp_path):
    """A bad value is named and explained; the secrets given alongside never appear."""
    env = {
        "TELEGRAM_BOT_TOKEN": "999:SUPERSECRETTOKEN",
        "TELEGRAM_CHAT_ID": "12345",
        "TOKOPEDIA_APP_ID": "not-a-number",
        "TOKOPEDIA_CLIENT_ID": "cid",
        "TOKOPEDIA_CLIENT_SECRET": "CLIENTSECRETVALUE",
        "TOKOPEDIA_WEBHOOK_SECRET": "WEBHOOKSECRETVALUE",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com",
        "MARKETPLACES": "tokopedia",
    }
    result = _run_tokobot(env, tmp_path)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "TELEGRAM_CHAT_ID" in output
    assert "TOKOPEDIA_APP_ID" in output
    assert "TELEGRAM_WEBHOOK_SECRET" in output
    for secret in ("SUPERSECRETTOKEN", "CLIENTSECRETVALUE", "WEBHOOKSECRETVALUE"):
        assert secret not in output


def test_dotenv_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    """Values come from .env in the working directory unless the environment sets them."""
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=1:abc\nTELEGRAM_CHAT_ID=-100111\nTOKOPEDIA_APP_ID=13000\n"
        "TOKOPEDIA_CLIENT_ID=from-file\nTOKOPEDIA_CLIENT_SECRET=s\nTOKOPEDIA_WEBHOOK_SECRET=w\n"
        "TELEGRAM_ADMIN_IDS=1, 2,3\nMARKETPLACES=tokopedia\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKOPEDIA_CLIENT_ID", "from-env")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.tokopedia_client_id == "from-env"
    assert settings.telegram_chat_id == -100111
    assert settings.telegram_admin_ids == [1, 2, 3]
    assert settings.database_url == "sqlite+aiosqlite:///tokobot.db"
    assert settings.timezone == "Asia/Jakarta"


def test_plain_database_urls_get_async_drivers():
    """Operators may paste postgres:// or sqlite:/// URLs; tokobot picks the async driver."""
    assert make_settings(database_url="postgres://u@h/db").database_url == (
        "postgresql+asyncpg://u@h/db"
    )
    assert make_settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("telegram_admin_ids", "12,abc", "numeric"),
        ("bot_language", "fr", "id"),
    ],
)
def test_each_invalid_setting_gets_one_clear_line(field, value, fragment):
    """Validation errors become one line per variable, naming it."""
    with pytest.raises(ValidationError) as caught:
        make_settings(**{field: value})
    lines = describe_errors(caught.value)
    assert len(lines) == 1
    assert lines[0].startswith(field.upper())
    assert fragment in lines[0]
