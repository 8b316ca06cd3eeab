"""The fake Bot API, driven by the real python-telegram-bot 22 wherever that is possible."""

import asyncio
import html
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberMember,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.sandbox.telegram import FakeTelegram, parse_html, serve

STAFF = -1001234567890  # forum supergroup
GROUP = -1009876543210  # ordinary supergroup
AGENT = 42
BUYER = 7001


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch):
    # Without it PTB 22 warns (an error under filterwarnings=error) whenever it builds RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(name="clock")
def _clock():
    return Clock()


@pytest.fixture(name="fake")
def _fake(clock):
    fake = FakeTelegram(clock=clock)
    fake.add_chat(STAFF, "Staff", is_forum=True, members={AGENT: "member"})
    fake.add_chat(GROUP, "Plain")
    return fake


def make_bot(fake: FakeTelegram, base_url: str = "http://fake/bot") -> Bot:
    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": fake.transport()})

    return Bot(fake.token, base_url=base_url, request=request(), get_updates_request=request())


@pytest.fixture(name="bot")
async def _bot(fake):
    async with make_bot(fake) as bot:
        yield bot


@pytest.fixture(name="topic_id")
async def _topic_id(bot):
    topic = await bot.create_forum_topic(STAFF, "INV/1 Budi")
    return topic.message_thread_id


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def raw_post(fake: FakeTelegram, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as client:
        return await client.post(path, **kwargs)


class TestRouting:
    async def test_get_me(self, bot):
        """getMe answers with the bot user PTB initialises from."""
        assert (bot.id, bot.username, bot.bot.is_bot) == (123456, "tokobot", True)

    async def test_wrong_token(self, fake):
        """A wrong token is a 401 Unauthorized, which PTB reports as InvalidToken."""
        response = await raw_post(fake, "/bot999:WRONG/getMe")
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with pytest.raises(InvalidToken):
            async with Bot(
                "999:WRONG",
                base_url="http://fake/bot",
                request=HTTPXRequest(httpx_kwargs={"transport": fake.transport()}),
            ):
                pass

    async def test_unknown_method(self, fake):
        """An unknown method is a 404 Not Found in Telegram's error shape."""
        response = await raw_post(fake, f"/bot{fake.token}/sendTelepathy")
        assert (response.status_code, response.json()["description"]) == (404, "Not Found")

    async def test_unimplemented_method(self, bot):
        """A real method the fake lacks is a clear 400, not a 404 that PTB calls InvalidToken."""
        with pytest.raises(BadRequest, match="doesn't implement senddocument"):
            await bot.send_document(GROUP, b"report", filename="r.txt")

    async def test_commands(self, bot):
        """setMyCommands stores valid commands per scope and refuses malformed ones."""
        assert await bot.set_my_commands([("orders", "Open orders"), ("stock", "Stock of a SKU")])
        assert [c.command for c in await bot.get_my_commands()] == ["orders", "stock"]
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([("Orders!", "bad name")])
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()

    async def test_json_and_multipart_bodies(self, fake):
        """JSON and multipart bodies are read like PTB's form bodies."""
        as_json = await raw_post(
            fake, f"/bot{fake.token}/sendMessage", json={"chat_id": GROUP, "text": "json"}
        )
        as_multipart = await raw_post(
            fake,
            f"/bot{fake.token}/sendMessage",
            files={
                "chat_id": (None, str(GROUP)),
                "text": (None, "multi"),
                "doc": ("a.txt", b"abc", "text/plain"),
            },
        )
        assert [
            as_json.json()["result"]["text"],
            as_multipart.json()["result"]["text"],
        ] == ["json", "multi"]

    async def test_string_params_stay_strings(self, bot, fake):
        """Text that looks like JSON is kept as text, and the call log has decoded values."""
        message = await bot.send_message(GROUP, "123", reply_markup=keyboard("a"))
        assert message.text == "123"
        params = fake.calls_to("sendMessage")[0].params
        assert (
            params["chat_id"],
            params["text"],
            params["reply_markup"],
        ) == (GROUP, "123", {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})


class TestHtml:
    async def test_valid_html(self, bot, fake):
        """Supported tags become entities; the stored message keeps the HTML and the plain text."""
        message = await bot.send_message(
            GROUP, '<b>Order</b> <a href="https://t.me/x?a=1&amp;b=2">INV/1</a>', parse_mode="HTML"
        )
        assert message.text == "Order INV/1"
        assert [(e.type, e.offset, e.length) for e in message.entities] == [
            ("bold", 0, 5),
            ("text_link", 6, 5),
        ]
        assert message.entities[1].url == "https://t.me/x?a=1&b=2"
        stored = fake.messages(GROUP)[-1]
        assert (
            stored.text,
            stored.plain_text,
        ) == ('<b>Order</b> <a href="https://t.me/x?a=1&amp;b=2">INV/1</a>', "Order INV/1")

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("<p>hi</p>", 'unsupported start tag "p"'),
            ("line<br>break", 'unsupported start tag "br"'),
            ("<b>open", 'can\'t find end tag corresponding to start tag "b"'),
            ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
            ("x</b>", "unexpected end tag"),
            ("1 < 2", 'unsupported start tag ""'),
            ("fish & chips", "character '&'"),
            ("&nbsp;", "character '&'"),
            ('<a href="https://x.y" target="_blank">l</a>', 'unsupported attribute "target"'),
            ("<span>x</span>", 'tag "span" must have class "tg-spoiler"'),
        ],
    )
    async def test_invalid_html(self, bot, text, reason):
        """Malformed or unsupported HTML is refused with "can't parse entities"."""
        with pytest.raises(BadRequest, match=r"^Can't parse entities") as caught:
            await bot.send_message(GROUP, text, parse_mode="HTML")
        assert reason in caught.value.message.lower()

    async def test_escaped_buyer_text(self, bot):
        """Buyer text escaped with html.escape arrives exactly as the buyer typed it."""
        typed = 'Harga <50rb> & "murah"? 😀 ya/tidak'
        message = await bot.send_message(GROUP, f"<i>{html.escape(typed)}</i>", parse_mode="HTML")
        assert (typed, 1) == (message.text, len(message.entities))

    async def test_without_parse_mode_text_is_literal(self, bot):
        """Without parse_mode, tags and ampersands are plain characters."""
        message = await bot.send_message(GROUP, "<b>1 & 2</b>")
        assert (message.text, message.entities) == ("<b>1 & 2</b>", ())

    def test_entities_count_utf16(self):
        """Entity offsets count UTF-16 units, so an emoji before a tag shifts it by two."""
        parsed = parse_html("😀 <b>x</b> &#128512;&#x41;")
        assert parsed.plain == "😀 x 😀A"
        assert parsed.entities == ({"type": "bold", "offset": 3, "length": 1},)

    def test_pre_code_language_and_blockquote(self):
        """<pre><code class="language-x"> is one pre entity; expandable quotes are typed."""
        parsed = parse_html(
            '<pre><code class="language-python">x=1</code></pre>'
            "<blockquote expandable>q</blockquote><tg-spoiler>s</tg-spoiler>"
        )
        assert list(parsed.entities) == [
            {"type": "pre", "offset": 0, "length": 3, "language": "python"},
            {"type": "expandable_blockquote", "offset": 3, "length": 1},
            {"type": "spoiler", "offset": 4, "length": 1},
        ]


class TestLimits:
    async def test_text_length(self, bot):
        """4096 characters pass and 4097 are "message is too long"; markup doesn't count."""
        await bot.send_message(GROUP, "x" * 4096)
        await bot.send_message(GROUP, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(GROUP, "x" * 4097)

    async def test_text_length_counts_emoji_twice(self, bot):
        """The limit counts UTF-16 units: 2049 emoji are 4098 units and too long."""
        await bot.send_message(GROUP, "😀" * 2048)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(GROUP, "😀" * 2049)

    async def test_empty_text(self, bot):
        """Text that is empty after parsing is refused."""
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(GROUP, "<b> </b>", parse_mode="HTML")

    async def test_callback_data_bytes(self, bot):
        """callback_data may be 64 bytes; 65 bytes, or 33 two-byte letters, are refused."""
        await bot.send_message(GROUP, "ok", reply_markup=keyboard("a" * 64))
        for data in ("a" * 65, "é" * 33):
            with pytest.raises(BadRequest, match="Button_data_invalid"):
                await bot.send_message(GROUP, "no", reply_markup=keyboard(data))

    async def test_keyboard_shape(self, bot, fake):
        """More than 8 buttons in a row, or a button without an action, is refused."""
        with pytest.raises(BadRequest, match="Buttons_too_much"):
            await bot.send_message(GROUP, "no", reply_markup=keyboard(*"abcdefghi"))
        response = await raw_post(
            fake,
            f"/bot{fake.token}/sendMessage",
            json={
                "chat_id": GROUP,
                "text": "no",
                "reply_markup": {"inline_keyboard": [[{"text": "t"}]]},
            },
        )
        assert response.status_code == 400

    async def test_force_reply(self, bot):
        """A force_reply markup is accepted (and, like Telegram, not echoed)."""
        message = await bot.send_message(GROUP, "reply?", reply_markup=ForceReply())
        assert message.reply_markup is None


class TestEdits:
    async def test_not_modified(self, bot):
        """Editing to identical text and markup is "message is not modified"."""
        sent = await bot.send_message(
            GROUP, "<b>x</b>", parse_mode="HTML", reply_markup=keyboard("a")
        )
        with pytest.raises(BadRequest, match="Message is not modified: specified new message"):
            await bot.edit_message_text(
                "<b>x</b>", GROUP, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
            )
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_reply_markup(GROUP, sent.message_id, reply_markup=keyboard("a"))

    async def test_edit_changes_text_and_drops_omitted_keyboard(self, bot, fake):
        """An edit is stored; leaving out reply_markup removes the keyboard, as on Telegram."""
        sent = await bot.send_message(GROUP, "old", reply_markup=keyboard("a"))
        edited = await bot.edit_message_text("new", GROUP, sent.message_id)
        stored = fake.messages(GROUP)[-1]
        assert (stored.text, stored.reply_markup, stored.edited) == ("new", None, True)
        assert edited.edit_date is not None

    async def test_edit_missing_message(self, bot):
        """Editing an unknown message is "message to edit not found"."""
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", GROUP, 999)

    async def test_delete_message(self, bot, fake):
        """A deleted message stays listed with deleted=True and can't be deleted twice."""
        sent = await bot.send_message(GROUP, "bye")
        assert await bot.delete_message(GROUP, sent.message_id)
        assert fake.messages(GROUP)[-1].deleted
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(GROUP, sent.message_id)


class TestReplies:
    async def test_reply_to_missing_message(self, bot):
        """A reply to a missing message fails unless allow_sending_without_reply is set."""
        with pytest.raises(BadRequest, match="Message to be replied not found"):
            await bot.send_message(GROUP, "x", reply_parameters=ReplyParameters(555))
        message = await bot.send_message(
            GROUP, "x", reply_parameters=ReplyParameters(555, allow_sending_without_reply=True)
        )
        assert message.reply_to_message is None

    async def test_reply_joins_the_topic(self, bot, fake, topic_id):
        """A reply to a topic message lands in that topic even without message_thread_id."""
        asked = fake.user_sends(STAFF, AGENT, "status?", thread_id=topic_id)
        answer = await bot.send_message(STAFF, "paid", reply_parameters=ReplyParameters(asked))
        assert (topic_id, True, asked) == (
            answer.message_thread_id,
            answer.is_topic_message,
            answer.reply_to_message.message_id,
        )


class TestFlood:
    async def test_group_limit(self, bot, clock):
        """The 21st call to one group within a minute is 429 until the window moves on."""
        for n in range(20):
            await bot.send_message(GROUP, f"n{n}")
        clock.advance(15)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "one too many")
        assert timedelta(seconds=45) == caught.value.retry_after
        clock.advance(45)
        await bot.send_message(GROUP, "allowed again")

    async def test_limit_is_per_group_and_rejections_are_free(self, bot):
        """Refused calls use no budget, and another group has its own."""
        for _ in range(5):
            with pytest.raises(BadRequest):
                await bot.send_message(GROUP, "<oops>", parse_mode="HTML")
        for n in range(20):
            await bot.send_message(GROUP, f"n{n}")
        await bot.send_message(STAFF, "other group")
        with pytest.raises(RetryAfter, match="Flood control exceeded"):
            await bot.send_message(GROUP, "21st")

    async def test_overall_limit(self, bot, fake):
        """About 30 calls a second across chats are allowed, then 429 for a second."""
        for user in range(1, 32):
            fake.add_chat(user, f"user{user}")
        for user in range(1, 31):
            await bot.send_chat_action(user, "typing")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(31, "hi")
        assert timedelta(seconds=1) == caught.value.retry_after

    async def test_limits_can_be_disabled(self):
        """enforce_limits=False lets any number of calls through."""
        fake = FakeTelegram(enforce_limits=False)
        fake.add_chat(GROUP, "Plain")
        async with make_bot(fake) as bot:
            for n in range(25):
                await bot.send_message(GROUP, f"n{n}")
        assert len(fake.messages(GROUP)) == 25

    async def test_fail_next(self, bot, fake):
        """A scripted failure answers the next call only, with retry_after when given."""
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "x")
        assert timedelta(seconds=3) == caught.value.retry_after
        await bot.send_message(GROUP, "x")


class TestTopics:
    async def test_send_into_topic_then_deleted(self, bot, fake, topic_id):
        """Messages go into a topic until it is deleted, then "message thread not found"."""
        sent = await bot.send_message(STAFF, "hello", message_thread_id=topic_id)
        assert (topic_id, True) == (sent.message_thread_id, sent.is_topic_message)
        assert sent.reply_to_message.forum_topic_created.name == "INV/1 Budi"
        assert await bot.delete_forum_topic(STAFF, topic_id)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(STAFF, "again", message_thread_id=topic_id)
        assert all(m.deleted for m in fake.messages(STAFF, topic_id))

    async def test_deleted_by_a_human(self, bot, fake, topic_id):
        """A topic deleted from the client side refuses later sends too."""
        fake.delete_topic(STAFF, topic_id)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(STAFF, "again", message_thread_id=topic_id)

    async def test_thread_ids_that_are_not_topics(self, bot):
        """The General topic (1) and threads in non-forum chats are not found."""
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(STAFF, "x", message_thread_id=1)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(GROUP, "x", message_thread_id=5)

    async def test_topics_need_a_forum_and_a_name(self, bot):
        """Topics exist only in forums and need a 1-128 character name."""
        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.create_forum_topic(GROUP, "x")
        with pytest.raises(BadRequest, match="Topic_title_too_long"):
            await bot.create_forum_topic(STAFF, "x" * 129)
        assert (await bot.create_forum_topic(STAFF, "x" * 128)).name == "x" * 128

    async def test_close_edit_reopen(self, bot, topic_id, fake):
        """A closed topic refuses sends until reopened; a rename is recorded."""
        assert await bot.close_forum_topic(STAFF, topic_id)
        with pytest.raises(BadRequest, match="Topic_closed"):
            await bot.send_message(STAFF, "x", message_thread_id=topic_id)
        assert await bot.edit_forum_topic(STAFF, topic_id, name="[PAID] INV/1")
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.edit_forum_topic(STAFF, topic_id, name="[PAID] INV/1")
        assert await bot.reopen_forum_topic(STAFF, topic_id)
        await bot.send_message(STAFF, "x", message_thread_id=topic_id)
        assert fake.topics(STAFF)[0].name == "[PAID] INV/1"


class TestReactions:
    async def test_valid_and_invalid_emoji(self, bot, fake):
        """👍 is stored; ✅ is REACTION_INVALID, as PTB's custom emoji or as a plain emoji."""
        target = fake.user_sends(GROUP, AGENT, "done")
        assert await bot.set_message_reaction(GROUP, target, "👍")
        with pytest.raises(BadRequest, match="Reaction_invalid"):
            await bot.set_message_reaction(GROUP, target, "✅")
        assert fake.messages(GROUP)[-1].reactions == ("👍",)
        response = await raw_post(
            fake,
            f"/bot{fake.token}/setMessageReaction",
            json={
                "chat_id": GROUP,
                "message_id": target,
                "reaction": [{"type": "emoji", "emoji": "✅"}],
            },
        )
        assert response.json()["description"] == "Bad Request: REACTION_INVALID"

    async def test_one_reaction_on_an_existing_message(self, bot, fake):
        """A bot may set one reaction, and only on a message that exists."""
        target = fake.user_sends(GROUP, AGENT, "done")
        with pytest.raises(BadRequest, match="Reactions_too_many"):
            await bot.set_message_reaction(GROUP, target, ["👍", "👌"])
        with pytest.raises(BadRequest, match="Message to react not found"):
            await bot.set_message_reaction(GROUP, 999, "👍")


class TestCallbacks:
    async def test_answer_once(self, bot, fake, clock):
        """A press can be answered once, and not after it expired."""
        sent = await bot.send_message(GROUP, "ack?", reply_markup=keyboard("ack:1"))
        query_id = fake.user_presses(GROUP, AGENT, sent.message_id, "ack:1")
        [update] = await bot.get_updates()
        assert ("ack:1", sent.message_id) == (
            update.callback_query.data,
            update.callback_query.message.message_id,
        )
        assert await bot.answer_callback_query(query_id, text="Done")
        assert fake.callback_query(query_id).answer_text == "Done"
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(query_id)
        late = fake.user_presses(GROUP, AGENT, sent.message_id, "ack:1")
        clock.advance(16)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(late)

    async def test_answer_text_limit(self, bot, fake):
        """An answer text over 200 characters is refused."""
        sent = await bot.send_message(GROUP, "ack?", reply_markup=keyboard("a"))
        query_id = fake.user_presses(GROUP, AGENT, sent.message_id, "a")
        with pytest.raises(BadRequest):
            await bot.answer_callback_query(query_id, text="x" * 201)

    async def test_press_needs_the_button(self, bot, fake):
        """A test can't press a button the message doesn't have."""
        sent = await bot.send_message(GROUP, "ack?", reply_markup=keyboard("a"))
        with pytest.raises(ValueError, match="no button"):
            fake.user_presses(GROUP, AGENT, sent.message_id, "b")


class TestUpdates:
    async def test_command_message(self, bot, fake):
        """A pushed command carries the bot_command entity PTB's CommandHandler needs."""
        fake.user_sends(GROUP, AGENT, "/orders@tokobot today", first_name="Agent")
        [update] = await bot.get_updates()
        assert isinstance(update, Update)
        entity = update.message.entities[0]
        assert (
            entity.type,
            entity.offset,
            entity.length,
            update.message.from_user.first_name,
        ) == ("bot_command", 0, 15, "Agent")

    async def test_reply_in_topic(self, bot, fake, topic_id):
        """A reply in a topic parses with its thread and the replied-to bot message."""
        ours = await bot.send_message(STAFF, "New order", message_thread_id=topic_id)
        fake.user_sends(STAFF, AGENT, "on it", reply_to=ours.message_id)
        plain = fake.user_sends(STAFF, AGENT, "no reply gesture", thread_id=topic_id)
        first, second = await bot.get_updates()
        assert (topic_id, True, ours.message_id) == (
            first.message.message_thread_id,
            first.message.is_topic_message,
            first.message.reply_to_message.message_id,
        )
        assert second.message.message_id == plain
        assert second.message.reply_to_message.forum_topic_created is not None

    async def test_sticker_and_photo(self, bot, fake):
        """Stickers and photos parse as PTB media objects."""
        fake.user_sends_sticker(GROUP, BUYER)
        fake.user_sends_photo(GROUP, BUYER, caption="bukti transfer")
        sticker, photo = await bot.get_updates()
        assert sticker.message.sticker.width == 512
        assert (photo.message.caption, len(photo.message.photo)) == ("bukti transfer", 2)

    async def test_offset_acknowledges(self, bot, fake):
        """Updates stay until acknowledged by a higher offset."""
        first = fake.user_sends(GROUP, AGENT, "a")
        fake.push_update(
            {
                "message": {
                    "message_id": first,
                    "date": 1,
                    "text": "raw",
                    "chat": {"id": GROUP, "type": "supergroup"},
                }
            }
        )
        updates = await bot.get_updates()
        assert len(await bot.get_updates()) == 2
        assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()

    async def test_long_poll_wakes_on_push(self, bot, fake):
        """A waiting getUpdates returns as soon as an update is pushed."""
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.05)
        assert not poll.done()
        fake.user_sends(GROUP, AGENT, "wake up")
        [update] = await asyncio.wait_for(poll, timeout=2)
        assert update.message.text == "wake up"

    async def test_second_poller_conflicts(self, bot, fake):
        """A second getUpdates ends the first with 409 Conflict, as Telegram does."""
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.05)
        assert await bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await asyncio.wait_for(poll, timeout=2)

    async def test_reactions_need_allowed_updates(self, bot, fake):
        """message_reaction updates are dropped unless asked for in allowed_updates."""
        reaction = {
            "chat": {"id": GROUP, "type": "supergroup"},
            "message_id": 1,
            "date": 1,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
        fake.push_update({"message_reaction": reaction})
        assert await bot.get_updates() == ()
        fake.push_update({"message_reaction": reaction})
        [update] = await bot.get_updates(allowed_updates=["message", "message_reaction"])
        assert update.message_reaction.new_reaction[0].emoji == "👍"


class TestWebhook:
    async def test_set_info_delete(self, bot, fake):
        """setWebhook is recorded, blocks getUpdates, and deleteWebhook undoes it."""
        assert await bot.set_webhook("https://bot.example/telegram", secret_token="s3cr-t_")
        info = await bot.get_webhook_info()
        assert (info.url, fake.webhook.secret_token) == ("https://bot.example/telegram", "s3cr-t_")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""

    async def test_bad_webhook(self, bot):
        """Plain http and unusual ports are refused, as Telegram refuses them."""
        with pytest.raises(BadRequest, match="https url must be provided"):
            await bot.set_webhook("http://bot.example/telegram")
        with pytest.raises(BadRequest, match="ports 80, 88, 443 or 8443"):
            await bot.set_webhook("https://bot.example:8000/telegram")


class TestChats:
    async def test_kicked(self, bot, fake):
        """After the bot is kicked every call to that chat is 403 Forbidden."""
        fake.kick_bot(STAFF)
        with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
            await bot.send_message(STAFF, "anyone?")

    async def test_unknown_chat(self, bot):
        """A chat the bot isn't in is "chat not found"."""
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(-100111, "x")

    async def test_get_chat_and_members(self, bot):
        """getChat and getChatMember parse as PTB's ChatFullInfo and member classes."""
        chat = await bot.get_chat(STAFF)
        admin = await bot.get_chat_member(STAFF, bot.id)
        member = await bot.get_chat_member(STAFF, AGENT)
        assert isinstance(chat, ChatFullInfo)
        assert chat.is_forum
        assert isinstance(admin, ChatMemberAdministrator)
        assert admin.can_manage_topics
        assert isinstance(member, ChatMemberMember)
        with pytest.raises(BadRequest, match="User not found"):
            await bot.get_chat_member(STAFF, 999999)


class TestEvents:
    async def test_subscribe(self, bot, fake):
        """A subscriber sees messages, edits, reactions and callback answers in order."""
        events = fake.subscribe()
        sent = await bot.send_message(GROUP, "hi", reply_markup=keyboard("a"))
        await bot.edit_message_text("hi!", GROUP, sent.message_id, reply_markup=keyboard("a"))
        await bot.set_message_reaction(GROUP, sent.message_id, "👌")
        await bot.answer_callback_query(fake.user_presses(GROUP, AGENT, sent.message_id, "a"))
        kinds = [events.get_nowait().kind for _ in range(events.qsize())]
        assert kinds == ["message", "edit", "reaction", "callback_answer"]
        fake.unsubscribe(events)


class TestServe:
    async def test_loopback(self, fake):
        """Under uvicorn on 127.0.0.1 the fake serves PTB's default HTTP client."""
        async with serve(fake) as base_url, Bot(fake.token, base_url=base_url) as bot:
            sent = await bot.send_message(GROUP, "<b>over TCP</b>", parse_mode="HTML")
        assert base_url.startswith("http://127.0.0.1:")
        assert sent.text == "over TCP"


class TestApplication:
    async def test_polling_application_answers_a_command(self, fake, topic_id):
        """A PTB Application polling the fake answers a command in the topic it came from."""

        async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await update.effective_message.reply_html(f"<b>hi</b> {update.effective_user.id}")

        def request() -> HTTPXRequest:
            return HTTPXRequest(httpx_kwargs={"transport": fake.transport()})

        app = (
            Application.builder()
            .token(fake.token)
            .base_url("http://fake/bot")
            .request(request())
            .get_updates_request(request())
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.updater.start_polling(timeout=5)
            await app.start()
            asked = fake.user_sends(STAFF, AGENT, "/start", thread_id=topic_id)
            for _ in range(100):
                if fake.calls_to("sendMessage"):
                    break
                await asyncio.sleep(0.01)
            await app.updater.stop()
            await app.stop()
        [reply] = fake.messages(STAFF)[-1:]
        assert (reply.plain_text, reply.thread_id, reply.reply_to_message_id) == (
            f"hi {AGENT}",
            topic_id,
            asked,
        )
        assert "deleteWebhook" in [call.method for call in fake.calls]
