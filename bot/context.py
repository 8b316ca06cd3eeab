"""Typed access to tokobot's services from PTB callbacks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.marketplaces import Marketplace
from bot.relay.health import TelegramHealth
from bot.relay.sender import Sender


@dataclass(frozen=True)
class Services:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    marketplaces: Mapping[str, Marketplace]
    sender: Sender
    health: TelegramHealth
    clock: Callable[[], datetime]

    @property
    def lang(self) -> str:
        return self.settings.bot_language

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.zone

    @property
    def chat_id(self) -> int:
        return self.settings.telegram_chat_id


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with ``context.services``."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data["services"])


CONTEXT_TYPES = ContextTypes(context=Context)
