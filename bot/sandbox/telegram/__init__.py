"""A strict fake of the Telegram Bot API, a real Starlette app (no python-telegram-bot inside).

It answers like Telegram does, errors included, so end-to-end tests catch our mistakes:
invalid HTML, over-long text, oversized callback_data, edits that change nothing, replies to
missing messages, sends into deleted topics, invalid reactions and the 20/min group flood limit.

    fake = FakeTelegram()
    fake.add_chat(-1001, "Staff", is_forum=True)
    request = HTTPXRequest(httpx_kwargs={"transport": fake.transport()})
    bot = Bot(fake.token, base_url="http://fake/bot", request=request)

Modules: ``fake`` (the app and test hooks), ``api_*`` (one function per Bot API method),
``world`` (state), ``checks`` and ``html_text`` (pure validation), ``wire`` (request decoding),
``flood`` (rate limits), ``polling`` (getUpdates), ``inbound`` (user updates), ``file_hooks``
(photos and files people send, public URLs, stored bytes), ``server`` (uvicorn on loopback).
"""

from bot.sandbox.telegram.checks import REACTION_EMOJI
from bot.sandbox.telegram.errors import ApiError
from bot.sandbox.telegram.fake import FakeTelegram
from bot.sandbox.telegram.html_text import ParsedText, parse_html, utf16_len
from bot.sandbox.telegram.models import (
    Call,
    FakeCallbackQuery,
    FakeChat,
    FakeEvent,
    FakeMessage,
    FakeTopic,
    WebhookState,
)
from bot.sandbox.telegram.server import serve

__all__ = [
    "REACTION_EMOJI",
    "ApiError",
    "Call",
    "FakeCallbackQuery",
    "FakeChat",
    "FakeEvent",
    "FakeMessage",
    "FakeTelegram",
    "FakeTopic",
    "ParsedText",
    "WebhookState",
    "parse_html",
    "serve",
    "utf16_len",
]
