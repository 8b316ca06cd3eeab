"""Settings: the only code that reads the environment or ``.env``."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain import placeholders
from bot.domain.groups import GroupMap, parse_shop_groups
from bot.jobs.rules import BusinessHours, parse_business_hours, parse_offsets

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# What each marketplace needs when it is enabled in MARKETPLACES.
REQUIRED: dict[str, tuple[str, ...]] = {
    "tokopedia": (
        "tokopedia_app_id",
        "tokopedia_client_id",
        "tokopedia_client_secret",
        "tokopedia_webhook_secret",
    ),
    "tiktokshop": ("tiktokshop_app_key", "tiktokshop_app_secret", "tiktokshop_service_id"),
}

MARKETPLACES_CHOICES = (
    "not set; choose tiktokshop (Tokopedia & Shop, the TikTok Shop Partner API), "
    "tokopedia (Open Platform apps that still have access), or both: tokopedia,tiktokshop"
)


def _split_ints(value: object) -> object:
    if isinstance(value, str):
        parts = [part for part in value.replace(" ", "").split(",") if part]
        if not all(part.lstrip("-").isdigit() for part in parts):
            raise ValueError("must be comma-separated numeric Telegram user ids")
        return [int(part) for part in parts]
    if isinstance(value, int):
        return [value]
    return value


class Settings(BaseSettings):
    """Every setting tokobot reads; see README's configuration reference."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore"
    )

    telegram_bot_token: SecretStr
    telegram_chat_id: int
    telegram_api_url: str = "https://api.telegram.org"
    telegram_admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    telegram_topics: bool = False
    # One staff group per shop (bot.domain.groups); shops not listed use TELEGRAM_CHAT_ID.
    shop_groups: str = ""
    # Extra groups that take the main group's new work only while its budget is spent.
    telegram_overflow_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # No default: since the Open Platform closed (30 Sep 2025) neither choice is safe to assume.
    marketplaces: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validate_default=True
    )

    # Each marketplace's credentials are required only when it is enabled (see _required).
    tokopedia_app_id: int | None = None
    tokopedia_client_id: str = ""
    tokopedia_client_secret: SecretStr | None = None
    tokopedia_webhook_secret: SecretStr | None = None
    tokopedia_api_url: str = "https://fs.tokopedia.net"
    tokopedia_auth_url: str = "https://accounts.tokopedia.com"

    tiktokshop_app_key: str = ""
    tiktokshop_app_secret: SecretStr | None = None
    tiktokshop_service_id: str = ""
    tiktokshop_api_url: str = "https://open-api.tiktokglobalshop.com"
    tiktokshop_auth_url: str = "https://auth.tiktok-shops.com"
    tiktokshop_authorize_url: str = "https://services.tiktokshop.com/open/authorize"
    public_url: str = ""  # where sellers' browsers reach tokobot (OAuth redirect page)
    # Lets a monitor outside this machine read /healthz/details and /metrics.
    health_token: SecretStr | None = None

    database_url: str = "sqlite+aiosqlite:///tokobot.db"
    http_host: str = "0.0.0.0"  # noqa: S104 - the webhook receiver must be reachable
    http_port: int = Field(default=8080, ge=1, le=65535)
    bot_language: Literal["id", "en"] = "id"
    timezone: str = "Asia/Jakarta"

    accept_reminders: str = "6h,1h"
    chat_reminder_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # A conversation's handler lets go of it after not answering it for this long.
    claim_release_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    business_hours: str = "mon-sat 08:00-21:00"
    holidays: str = ""
    # Sent once per conversation and closed period to a buyer who writes outside
    # BUSINESS_HOURS or on a holiday; "" sends nothing. May name {buyer} and {shop}.
    auto_reply_text: str = ""
    reconcile_minutes: int = Field(default=5, ge=1, le=24 * 60)
    reconcile_catchup_hours: int = Field(default=72, ge=1, le=24 * 14)
    summary_time: str = "21:00"
    retention_days: int = Field(default=30, ge=1, le=3650)
    # text: readable lines; json: one JSON object per line, for log collectors.
    log_format: Literal["text", "json"] = "text"

    @field_validator("marketplaces", mode="before")
    @classmethod
    def _marketplaces(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            unknown = sorted(set(value) - set(REQUIRED))
            if unknown:
                raise ValueError(f"unknown {', '.join(unknown)}; use tokopedia and/or tiktokshop")
            if not value:
                raise ValueError(MARKETPLACES_CHOICES)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _required(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Report missing credentials of enabled marketplaces together with other problems."""
        errors: list[Any] = []
        settings: Settings | None = None
        try:
            settings = handler(data)
        except ValidationError as exc:
            errors = list(exc.errors())
        raw = data if isinstance(data, dict) else {}
        named = raw.get("marketplaces", "")
        names = named.split(",") if isinstance(named, str) else named
        enabled = {str(name).strip().lower() for name in names or ()}
        reported = {error["loc"][0] for error in errors if error["loc"]}
        for marketplace in sorted(enabled & set(REQUIRED)):
            for field in REQUIRED[marketplace]:
                if raw.get(field) in (None, "") and field not in reported:
                    errors.append({"type": "missing", "loc": (field,), "input": raw})
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        assert settings is not None
        return settings

    @field_validator("accept_reminders")
    @classmethod
    def _offsets(cls, value: str) -> str:
        parse_offsets(value)
        return value

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_business_hours(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        parse_business_hours("mon 00:00-01:00", value)
        return value

    @field_validator("auto_reply_text")
    @classmethod
    def _auto_reply(cls, value: str) -> str:
        try:
            placeholders.check(value)
        except placeholders.PlaceholderError as exc:
            known = ", ".join("{" + name + "}" for name in placeholders.KNOWN)
            raise ValueError(f"unknown placeholder {exc}; use {known}") from None
        if placeholders.longest_length(value) > placeholders.MESSAGE_MAX:
            raise ValueError(
                f"longer than the {placeholders.MESSAGE_MAX} characters one Tokopedia & Shop "
                "message holds (with the buyer's and shop's names filled in)"
            )
        return value

    @field_validator("summary_time")
    @classmethod
    def _summary_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a time of day like 21:00") from exc
        return value

    @field_validator("telegram_admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        return _split_ints(value)

    @field_validator("telegram_chat_id")
    @classmethod
    def _group_id(cls, value: int) -> int:
        if value >= 0:
            raise ValueError("must be the staff group's id, a negative number like -1001234567890")
        return value

    @field_validator("telegram_overflow_chat_ids", mode="before")
    @classmethod
    def _overflow_ids(cls, value: object) -> object:
        ids = _split_ints(value)
        if isinstance(ids, list) and any(int(chat) >= 0 for chat in ids):
            raise ValueError("must be group ids, negative numbers like -1001234567890")
        return ids

    @field_validator("shop_groups")
    @classmethod
    def _shop_groups(cls, value: str) -> str:
        parse_shop_groups(value)
        return value

    @model_validator(mode="after")
    def _distinct_groups(self) -> Settings:
        shared = set(self.telegram_overflow_chat_ids) & {
            self.telegram_chat_id,
            *parse_shop_groups(self.shop_groups).values(),
        }
        if shared:
            raise ValueError(
                "TELEGRAM_OVERFLOW_CHAT_IDS: an overflow group cannot also be the main group "
                f"or a shop's group ({', '.join(map(str, sorted(shared)))})"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Operators paste plain URLs; map them to the async drivers the engine needs.
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        return value

    # A field validator (not a model one) so the problem is reported alongside any other.
    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if not info.data.get("telegram_webhook_url"):
            return secret
        if secret is None:
            raise ValueError("required when TELEGRAM_WEBHOOK_URL is set")
        if not _SECRET_TOKEN.match(secret.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return secret

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours(self) -> BusinessHours:
        return parse_business_hours(self.business_hours, self.holidays)

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return parse_offsets(self.accept_reminders)

    @property
    def summary_at(self) -> time:
        return time.fromisoformat(self.summary_time)

    @property
    def groups(self) -> GroupMap:
        """Which staff group each shop's messages go to, and the overflow groups.

        Built on each use (a few entries): a cached copy would outlive ``model_copy``.
        """
        return GroupMap(
            main=self.telegram_chat_id,
            shops=parse_shop_groups(self.shop_groups),
            overflow=tuple(dict.fromkeys(self.telegram_overflow_chat_ids)),
        )


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per problem, naming the variable and never echoing its value."""
    lines: list[str] = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        name = loc[0].upper() if loc else ""
        if error["type"] == "missing":
            lines.append(f"{name}: required but not set")
        elif name:
            lines.append(f"{name}: {_plain(error['msg'])}")
        else:
            lines.append(_plain(error["msg"]))
    return lines


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")
