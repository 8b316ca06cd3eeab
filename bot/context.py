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
from bot.domain.groups import EVERY_SHOP, NO_SHOP, GroupMap, ShopScope
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
        """The main staff group; a shop's own group is ``groups.group_for``."""
        return self.settings.telegram_chat_id

    @property
    def groups(self) -> GroupMap:
        return self.settings.groups

    def home_of(self, chat_id: int) -> int | None:
        """The configured staff group a chat is (following a supergroup upgrade), if any."""
        return self.groups.home_of(self.sender.origin(chat_id))

    def covers(self, chat_id: int, marketplace: str, shop_id: str) -> bool:
        """May staff in this chat act on the shop? Admins may, in their private chat."""
        if chat_id > 0:
            return chat_id in self.settings.telegram_admin_ids
        return self.groups.covers(self.sender.origin(chat_id), marketplace, shop_id)

    def where(self, chat_id: int | None, marketplace: str, shop_id: str) -> int:
        """Where to post about a shop for staff in ``chat_id``: there if it is a staff group,
        else (an admin's private chat, or no chat) in the shop's own group."""
        if chat_id is not None and self.home_of(chat_id) is not None:
            return chat_id
        return self.groups.group_for(marketplace, shop_id)

    def scope(self, chat_id: int) -> ShopScope:
        """The shops a chat's lists cover: its group's, or every shop in an admin's chat."""
        if chat_id > 0:
            return EVERY_SHOP if chat_id in self.settings.telegram_admin_ids else NO_SHOP
        return self.groups.shops_of(self.sender.origin(chat_id))


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
