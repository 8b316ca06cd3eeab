"""`tokobot doctor` against the strict fakes: one line per check, the fix named on failure."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.cli import main
from bot.config import Settings
from bot.ops.doctor import PLACEHOLDERS, diagnose
from bot.ops.marketplaces import TIKTOKSHOP_EVENTS, tokopedia_urls
from bot.sandbox.tiktokshop import create_app as create_tts_app
from bot.sandbox.tokopedia import create_app
from tests.conftest import make_settings
from tests.harness import CHAT_ID, TTS_SHOP_ID, HostRouter, harness

PUBLIC = "https://toko.example.id"
BOTH = "tokopedia,tiktokshop"
ROOT = Path(__file__).resolve().parents[2]


def _transport(h) -> HostRouter:
    return HostRouter(
        {
            "telegram.test": h.fake.transport(),
            "tokopedia.test": httpx.ASGITransport(app=create_app(h.sandbox)),
            "tiktok.test": httpx.ASGITransport(app=create_tts_app(h.tts)),
        }
    )


def _register_everything(h) -> None:
    h.sandbox.webhooks.update(tokopedia_urls(h.rt.settings))
    h.tts.shop_webhooks[TTS_SHOP_ID] = dict.fromkeys(
        TIKTOKSHOP_EVENTS, f"{PUBLIC}/webhooks/tiktokshop"
    )


def _by_name(report) -> dict[str, tuple[str, str]]:
    return {check.name: (check.mark, check.detail) for check in report.checks}


async def _doctor(h, **overrides):
    settings = h.rt.settings.model_copy(update=overrides) if overrides else h.rt.settings
    return await diagnose(settings, transport=_transport(h), clock=h.clock)


async def test_a_healthy_deployment_passes_every_check(sqlite_url):
    """Settings, database, Telegram and both marketplaces: all ✓, and doctor passes."""
    async with harness(sqlite_url, marketplaces=BOTH, public_url=PUBLIC) as h:
        assert (await h.authorize_tts()).status_code == 200
        _register_everything(h)
        report = await _doctor(h)
    assert report.passed, report.lines()
    checks = _by_name(report)
    for name in (
        "settings",
        "database",
        "telegram token",
        "telegram group",
        "telegram webhook",
        "tokopedia credentials",
        "tokopedia webhooks",
        "tokopedia & shop Toko Maju Jaya",
        "tokopedia & shop Toko Maju Jaya webhooks",
    ):
        assert checks[name][0] == "ok", (name, checks.get(name))
    assert all(line.startswith("✓ ") for line in report.lines())
    assert "@tokobot" in checks["telegram token"][1]
    assert re.search(
        r"access token until \d{4}-\d\d-\d\d", checks["tokopedia & shop Toko Maju Jaya"][1]
    )


async def test_each_problem_is_one_failed_line_with_its_fix(sqlite_url):
    """A demoted bot, a missing registration and missing subscriptions each fail by name."""
    async with harness(sqlite_url, marketplaces=BOTH, public_url=PUBLIC) as h:
        assert (await h.authorize_tts()).status_code == 200
        h.fake.set_bot_member(CHAT_ID, "administrator", can_pin_messages=False)
        h.sandbox.webhooks["order_status_url"] = "https://old.example.id/hook"
        report = await _doctor(h)
    assert not report.passed
    checks = _by_name(report)
    mark, detail = checks["telegram group"]
    assert mark == "fail"
    assert "pin messages" in detail
    mark, detail = checks["tokopedia webhooks"]
    assert mark == "fail"
    assert "order_status_url is https://old.example.id/hook" in detail
    assert "tokobot tokopedia register-webhooks" in detail
    mark, detail = checks["tokopedia & shop Toko Maju Jaya webhooks"]
    assert mark == "fail"
    assert "NEW_MESSAGE" in detail
    assert checks["telegram token"][0] == "ok"
    assert checks["database"][0] == "ok"


async def test_topics_need_a_forum_and_the_right_to_manage_topics(sqlite_url):
    """TELEGRAM_TOPICS=1 on a plain supergroup, with a bot that cannot manage topics."""
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        h.fake.set_bot_member(CHAT_ID, "administrator", can_manage_topics=False)
        report = await _doctor(h, telegram_topics=True)
    mark, detail = _by_name(report)["telegram group"]
    assert mark == "fail"
    assert "turn Topics on" in detail
    assert "manage topics" in detail


async def test_a_bot_that_is_no_admin_is_told_to_be_made_one(sqlite_url):
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        h.fake.set_bot_member(CHAT_ID, "member")
        report = await _doctor(h)
    mark, detail = _by_name(report)["telegram group"]
    assert mark == "fail"
    assert "make it an admin" in detail


async def test_a_refused_token_skips_the_group_checks_and_is_never_printed(sqlite_url):
    """Telegram's 401: one ✗ with the fix, the dependent checks skipped, no token in output."""
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        wrong = "999999:THIS-IS-NOT-THE-TOKEN"
        report = await _doctor(h, telegram_bot_token=SecretStr(wrong))
    checks = _by_name(report)
    assert checks["telegram token"][0] == "fail"
    assert "@BotFather" in checks["telegram token"][1]
    assert checks["telegram group"][0] == "skip"
    assert checks["telegram webhook"][0] == "skip"
    assert "THIS-IS-NOT" not in "\n".join(report.lines())
    assert any(line.startswith("– telegram group") for line in report.lines())


async def test_a_webhook_left_by_another_deployment_fails_in_polling_mode(sqlite_url):
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        await h.rt.application.bot.set_webhook("https://elsewhere.example.id/telegram")
        report = await _doctor(h)
    mark, detail = _by_name(report)["telegram webhook"]
    assert mark == "fail"
    assert "elsewhere.example.id" in detail


async def test_tokopedia_webhooks_need_an_https_public_url(sqlite_url):
    async with harness(sqlite_url, public_url="http://toko.example.id") as h:
        report = await _doctor(h)
    mark, detail = _by_name(report)["tokopedia webhooks"]
    assert mark == "fail"
    assert "https://" in detail


async def test_wrong_tokopedia_credentials_fail_with_where_to_find_them(sqlite_url):
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        report = await _doctor(h, tokopedia_client_secret=SecretStr("wrong-secret"))
    checks = _by_name(report)
    assert checks["tokopedia credentials"][0] == "fail"
    assert "Authentication Management" in checks["tokopedia credentials"][1]
    assert checks["tokopedia webhooks"][0] == "skip"


async def test_no_connected_shop_says_how_to_connect_one(sqlite_url):
    async with harness(sqlite_url, marketplaces=BOTH, public_url=PUBLIC) as h:
        report = await _doctor(h)
    mark, detail = _by_name(report)["tokopedia & shop"]
    assert mark == "fail"
    assert "tokobot tiktokshop authorize" in detail


async def test_an_unmigrated_database_is_named_and_shops_are_skipped(tmp_path):
    """No file yet, then an empty one: migrate is the fix; the stored-shop checks are skipped."""
    path = tmp_path / "fresh.db"
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        marketplaces="tiktokshop",
        tiktokshop_app_key="k",
        tiktokshop_app_secret="s",
        tiktokshop_service_id="1",
        public_url=PUBLIC,
    )
    offline = httpx.MockTransport(lambda _: httpx.Response(502))
    report = await diagnose(settings, transport=offline)
    mark, detail = _by_name(report)["database"]
    assert mark == "fail"
    assert f"no database file at {path}" in detail
    assert not path.exists()  # the doctor does not create it
    sqlite3.connect(path).close()
    checks = _by_name(await diagnose(settings, transport=offline))
    assert checks["database"] == (
        "fail",
        "reachable but its schema is empty: run `tokobot migrate`",
    )
    assert checks["tokopedia & shop"][0] == "skip"
    assert checks["telegram token"][0] == "fail"


async def test_placeholder_values_from_env_example_are_refused(sqlite_url):
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        report = await _doctor(h, tokopedia_client_id="replace-with-client-id")
    mark, detail = _by_name(report)["settings"]
    assert mark == "fail"
    assert "TOKOPEDIA_CLIENT_ID" in detail
    assert "replace-with" not in detail


def test_the_placeholder_list_is_env_example():
    """Every dummy value in .env.example is known to doctor, and nothing else is."""
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key.lower()] = value
    fields = Settings.model_fields
    dummies = {
        key: value
        for key, value in example.items()
        if value
        and key in fields
        and key != "marketplaces"  # a choice, not a dummy
        and not _is_default(fields[key].default, value)
    }
    assert dummies == {key: str(value) for key, value in PLACEHOLDERS.items()}


def _is_default(default: object, value: str) -> bool:
    if isinstance(default, bool):
        return default == (value in ("1", "true"))
    return str(default) == value


def test_the_command_lists_invalid_settings_as_failed_checks(monkeypatch, tmp_path, capsys):
    """`tokobot doctor` without MARKETPLACES: one ✗ per problem, exit status 1."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abc")
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "-100111")
    monkeypatch.delenv("MARKETPLACES", raising=False)
    assert main(["doctor"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✗ settings: MARKETPLACES: not set; choose tiktokshop")
    assert lines[-1].startswith("– everything else")


def test_run_refuses_the_example_env_and_names_the_settings(tmp_path):
    """`tokobot run` with .env.example copied to .env stops at once, naming what to fill in."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        # A closed local port stands in for Telegram: no test reaches the real Bot API.
        env={"PATH": "/usr/bin:/bin", "TELEGRAM_API_URL": "http://127.0.0.1:9"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (settings,) = [line for line in result.stderr.splitlines() if "✗ settings" in line]
    for name in ("TELEGRAM_BOT_TOKEN", "TIKTOKSHOP_APP_SECRET", "PUBLIC_URL"):
        assert name in settings
    assert "replace-with" not in result.stderr
