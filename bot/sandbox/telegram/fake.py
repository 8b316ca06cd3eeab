"""``FakeTelegram``: the Starlette app plus the hooks tests, benchmarks and the demo drive."""

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.telegram import api_bot, api_files, api_messages, api_topics, inbound
from bot.sandbox.telegram.errors import ApiError, bad_request
from bot.sandbox.telegram.file_hooks import FileHooks
from bot.sandbox.telegram.flood import FloodControl
from bot.sandbox.telegram.models import (
    MEMBER_STATUSES,
    Call,
    FakeCallbackQuery,
    FakeChat,
    FakeEvent,
    FakeMessage,
    FakeTopic,
    WebhookState,
)
from bot.sandbox.telegram.wire import Params, decode_body
from bot.sandbox.telegram.world import World, kicked_error

Handler = Callable[[World, Params], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {
    "getMe": api_bot.get_me,
    "getUpdates": api_bot.get_updates,
    "setWebhook": api_bot.set_webhook,
    "deleteWebhook": api_bot.delete_webhook,
    "getWebhookInfo": api_bot.get_webhook_info,
    "getChat": api_bot.get_chat,
    "getChatMember": api_bot.get_chat_member,
    "setMyCommands": api_bot.set_my_commands,
    "getMyCommands": api_bot.get_my_commands,
    "deleteMyCommands": api_bot.delete_my_commands,
    "sendMessage": api_messages.send_message,
    "editMessageText": api_messages.edit_message_text,
    "editMessageReplyMarkup": api_messages.edit_message_reply_markup,
    "deleteMessage": api_messages.delete_message,
    "setMessageReaction": api_messages.set_message_reaction,
    "answerCallbackQuery": api_messages.answer_callback_query,
    "sendChatAction": api_messages.send_chat_action,
    "sendPhoto": api_files.send_photo,
    "sendVideo": api_files.send_video,
    "getFile": api_files.get_file,
    "editMessageCaption": api_files.edit_message_caption,
    "createForumTopic": api_topics.create_forum_topic,
    "editForumTopic": api_topics.edit_forum_topic,
    "closeForumTopic": api_topics.close_forum_topic,
    "reopenForumTopic": api_topics.reopen_forum_topic,
    "deleteForumTopic": api_topics.delete_forum_topic,
}
# Real methods the fake lacks answer 400 with a clear reason rather than Telegram's 404 for
# unknown names, which PTB would report as InvalidToken.
_UNIMPLEMENTED_NAMES = (
    "sendDocument sendAudio sendAnimation sendVoice sendVideoNote "
    "sendSticker sendMediaGroup sendLocation sendVenue sendContact sendPoll sendDice "
    "forwardMessage forwardMessages copyMessage copyMessages "
    "editMessageMedia stopPoll deleteMessages pinChatMessage unpinChatMessage "
    "unpinAllChatMessages leaveChat getChatAdministrators getChatMemberCount "
    "banChatMember unbanChatMember restrictChatMember promoteChatMember setChatTitle "
    "editGeneralForumTopic closeGeneralForumTopic reopenGeneralForumTopic "
    "unpinAllForumTopicMessages getForumTopicIconStickers logOut close"
)
# Methods that post or change messages: the ones a demoted bot may no longer call.
POSTING = ("send", "edit", "create", "copy", "forward", "pin")
UNIMPLEMENTED = frozenset(_UNIMPLEMENTED_NAMES.split())
_CANONICAL = {name.lower(): name for name in [*HANDLERS, *UNIMPLEMENTED]}  # case-insensitive


class FakeTelegram(FileHooks):
    """A strict in-memory Telegram Bot API served by ``self.app`` (a Starlette app)."""

    def __init__(
        self,
        token: str = "123456:TEST",  # noqa: S107 - a fake's dummy token, not a secret
        bot_username: str = "tokobot",
        clock: Callable[[], float] = time.monotonic,
        group_limit_per_minute: int = 20,
        enforce_limits: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.enforce_limits = enforce_limits
        self.world = World(
            bot_id=self.bot_id,
            bot_username=bot_username,
            clock=clock,
            enforce_limits=enforce_limits,
        )
        self.flood = FloodControl(clock, group_limit_per_minute)
        self.calls: list[Call] = []
        self._failures: dict[str, list[ApiError | None]] = {}
        self.revoked = False  # the token was revoked in @BotFather: every call answers 401
        methods = ["GET", "POST"]
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=methods),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
                Route("/{path:path}", _not_found, methods=methods),
            ]
        )

    # -- HTTP ------------------------------------------------------------------------------

    def transport(self) -> httpx.ASGITransport:
        """Return an httpx transport that sends requests straight into ``self.app``."""
        return httpx.ASGITransport(app=self.app)

    async def _endpoint(self, request: Request) -> JSONResponse:
        raw_method = request.path_params["method"]
        method = _CANONICAL.get(raw_method.lower(), raw_method)
        values: dict[str, object] = {}
        at = self.world.clock()
        try:
            body = await request.body()
            values = decode_body(request.headers.get("content-type", ""), body, request.url.query)
            result = await self._call(request.path_params["token"], method, Params(values))
        except ApiError as error:
            self.calls.append(Call(method, values, False, error.code, error.description, at))
            return JSONResponse(error.to_json(), status_code=error.code)
        self.calls.append(Call(method, values, True, None, None, at))
        return JSONResponse({"ok": True, "result": result})

    async def _file(self, request: Request) -> Response:
        """The file download path getFile points to; the token must be the bot's."""
        token = request.path_params["token"]
        data = api_files.download(self.world, request.path_params["path"])
        if not hmac.compare_digest(token.encode(), self.token.encode()) or data is None:
            return JSONResponse(ApiError(404, "Not Found").to_json(), status_code=404)
        return Response(data, media_type="application/octet-stream")

    async def _call(self, token: str, method: str, params: Params) -> Any:
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            raise ApiError(401, "Unauthorized")
        handler = HANDLERS.get(method)
        if handler is None and method in UNIMPLEMENTED:
            raise bad_request(f"the fake Bot API doesn't implement {method}")
        if handler is None:
            raise ApiError(404, "Not Found")
        failures = self._failures.get(method)
        failure = failures.pop(0) if failures else None
        if failure is not None:
            raise failure
        chat_id = params.values.get("chat_id")
        chat_id = chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None
        chat = self.world.chats.get(chat_id or 0)
        if self.revoked:
            raise ApiError(401, "Unauthorized")
        if chat is not None and chat.kicked:
            raise kicked_error(chat)
        if chat is not None and chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat is not None and not chat.can_send and method.startswith(POSTING):
            raise bad_request("not enough rights to send text messages to the chat")
        if self.enforce_limits:
            self.flood.check(method, chat_id)
        result = await handler(self.world, params)
        if self.enforce_limits:
            self.flood.spend(method, chat_id)
        return result

    # -- set-up and scripted trouble -------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        title: str = "Staff",
        is_forum: bool = False,
        members: dict[int, str] | None = None,
    ) -> FakeChat:
        """Add a chat the bot is in; ``members`` maps user ids to statuses ("member", ...)."""
        if is_forum and chat_id > 0:
            raise ValueError("only supergroups (negative ids) can be forums")
        unknown = set((members or {}).values()) - MEMBER_STATUSES
        if unknown:
            raise ValueError(f"unknown member statuses {sorted(unknown)}")
        chat = FakeChat(chat_id, title, is_forum, dict(members or {}))
        self.world.chats[chat_id] = chat
        return chat

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer ``times`` calls of ``method`` with this error, once ``after`` more succeed."""
        parameters = None if retry_after is None else {"retry_after": retry_after}
        error = ApiError(error_code, description, parameters)
        self._failures.setdefault(_CANONICAL.get(method.lower(), method), []).extend(
            [None] * after + [error] * times
        )

    def clear_failures(self) -> None:
        """Telegram is back: forget the scripted errors not used yet."""
        self._failures.clear()

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic as a human admin would: later sends there fail."""
        api_topics.delete_topic(self.world, self.world.topics[chat_id, thread_id])

    def set_bot_member(self, chat_id: int, status: str = "administrator", **rights: bool) -> None:
        """What getChatMember answers for the bot: its status and any rights taken away."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        self.world.bot_status[chat_id] = status
        self.world.bot_rights[chat_id] = dict(rights)

    def kick_bot(self, chat_id: int) -> None:
        """Remove the bot from a chat (or have the user block it): later calls answer 403."""
        self.world.chats[chat_id].kicked = True

    def add_bot_back(self, chat_id: int) -> None:
        """Add the bot to a chat it was removed from."""
        self.world.chats[chat_id].kicked = False

    def set_bot_can_send(self, chat_id: int, can_send: bool) -> None:
        """Demote (False) or promote back (True) the bot: posting needs the right to."""
        self.world.chats[chat_id].can_send = can_send

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> FakeChat:
        """Upgrade a group to a supergroup: calls to the old id answer with the new one."""
        old = self.world.chats[chat_id]
        new = self.add_chat(new_chat_id, old.title, old.is_forum, dict(old.members))
        old.migrated_to = new_chat_id
        return new

    # -- what people do --------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update for getUpdates and return its ``update_id``."""
        return self.world.updates.push(update)

    def user_sends(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        first_name: str = "Rina",
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a text message from a person and return its ``message_id``."""
        return inbound.user_message(
            self.world,
            chat_id,
            user_id,
            first_name=first_name,
            reply_to=reply_to,
            thread_id=thread_id,
            text=text,
        )

    def user_sends_sticker(
        self,
        chat_id: int,
        user_id: int,
        *,
        first_name: str = "Rina",
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a sticker from a person and return its ``message_id``."""
        return inbound.user_message(
            self.world,
            chat_id,
            user_id,
            first_name=first_name,
            reply_to=reply_to,
            thread_id=thread_id,
            content=inbound.sticker(self.world),
        )

    def user_sends_photo(
        self,
        chat_id: int,
        user_id: int,
        *,
        caption: str | None = None,
        first_name: str = "Rina",
        reply_to: int | None = None,
        thread_id: int | None = None,
        data: bytes | None = None,
        media_group_id: str | None = None,
    ) -> int:
        """Queue a photo (optionally captioned) from a person and return its ``message_id``.

        ``data`` is the picture (a generated one by default), downloadable through getFile;
        photos of one album share a ``media_group_id``.
        """
        content = inbound.photo(self.world, caption, data)
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return inbound.user_message(
            self.world,
            chat_id,
            user_id,
            first_name=first_name,
            reply_to=reply_to,
            thread_id=thread_id,
            content=content,
        )

    def user_presses(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        first_name: str = "Rina",
        unchecked: bool = False,
    ) -> str:
        """Queue a press of an existing inline button and return the callback query id.

        ``unchecked=True`` allows data the message does not show (stale or forged presses).
        """
        return inbound.user_press(
            self.world,
            chat_id,
            user_id,
            message_id,
            callback_data,
            first_name=first_name,
            unchecked=unchecked,
        )

    # -- inspection ------------------------------------------------------------------------

    def messages(self, chat_id: int, thread_id: int | None = None) -> list[FakeMessage]:
        """Return a chat's messages (all, or one topic's), deleted ones flagged, oldest first."""
        return [
            message
            for message in self.world.messages(chat_id)
            if thread_id is None or message.thread_id == thread_id
        ]

    def topics(self, chat_id: int) -> list[FakeTopic]:
        """Return a chat's forum topics, deleted ones included."""
        return [topic for (chat, _), topic in self.world.topics.items() if chat == chat_id]

    def callback_query(self, query_id: str) -> FakeCallbackQuery:
        """Return a pushed button press and how it was answered."""
        return self.world.callbacks[query_id]

    def calls_to(self, method: str) -> list[Call]:
        """Return the recorded calls of one method."""
        return [call for call in self.calls if call.method == method]

    @property
    def webhook(self) -> WebhookState:
        """Return what setWebhook/deleteWebhook left behind."""
        return self.world.webhook

    def subscribe(self) -> "asyncio.Queue[FakeEvent]":
        """Return a queue of live ``FakeEvent``s; call from the consuming event loop."""
        return self.world.subscribe()

    def unsubscribe(self, queue: "asyncio.Queue[FakeEvent]") -> None:
        """Stop filling a queue returned by ``subscribe``."""
        self.world.unsubscribe(queue)


async def _not_found(request: Request) -> JSONResponse:
    del request
    return JSONResponse(ApiError(404, "Not Found").to_json(), status_code=404)
