"""Faults at the worst moments: every acknowledged event is shown exactly once.

Each scenario runs tokobot's real wiring against the strict fakes, makes Telegram (or the
process) fail in the middle of a delivery, and then counts what staff see in the group.
"""

from __future__ import annotations

import asyncio
import logging

from bot.jobs.reconcile import reconcile
from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeTelegram
from tests.harness import CHAT_ID, SHOP_ID, TTS_SHOP_ID, Harness, harness

BOTH = "tokopedia,tiktokshop"
NEW_GROUP = -1001000000777


def _with(h: Harness, text: str, chat_id: int = CHAT_ID) -> list[str]:
    return [m.plain_text for m in h.fake.messages(chat_id) if text in (m.plain_text or "")]


def _buttons(message: object) -> list[str]:
    markup = getattr(message, "reply_markup", None) or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def _alerted_order(h: Harness) -> tuple[dict[str, object], int]:
    order = h.sandbox.add_order(SHOP_ID)
    await h.webhook("order_notification", order["order_id"])
    await h.deliver()
    return order, h.last().message_id


class TestStatusShownOnceAfterAFailedSend:
    async def test_buyer_cancel_during_a_502_still_updates_the_alert_and_posts_once(self, db_url):
        """The alert loses its buttons and one notice says cancelled, after Telegram's 502."""
        async with harness(db_url) as h:
            order, alert_id = await _alerted_order(h)
            h.sandbox.set_status(order["order_id"], 15)
            await h.webhook("order_cancellation", order["order_id"])
            h.fake.fail_next("editMessageText", 502, "Bad Gateway")
            assert await h.rt.relay.run_once() == 0  # Telegram is down: the event waits
            h.clock.advance(seconds=5)
            await h.deliver()
            alert = next(m for m in h.group() if m.message_id == alert_id)
            assert _buttons(alert) == []
            updates = [m for m in h.group() if m.reply_to_message_id == alert_id]
            assert len(updates) == 1

    async def test_update_that_failed_after_its_edit_is_sent_without_a_second_edit(self, db_url):
        """A retry sends only what is missing: the update, not the alert's edit again."""
        async with harness(db_url) as h:
            order, alert_id = await _alerted_order(h)
            h.sandbox.set_status(order["order_id"], 450)
            await h.webhook("order_status", order["order_id"])
            h.fake.fail_next("sendMessage", 502, "Bad Gateway")
            await h.rt.relay.run_once()
            h.clock.advance(seconds=5)
            await h.deliver()
            edits = [c for c in h.fake.calls_to("editMessageText") if c.ok]
            assert len(edits) == 1
            assert len([m for m in h.group() if m.reply_to_message_id == alert_id]) == 1

    async def test_a_six_second_failure_during_a_cancellation_request(self, db_url):
        """A buyer's cancellation request is shown once although Telegram failed for 6 s."""
        async with harness(db_url) as h:
            order, _ = await _alerted_order(h)
            h.sandbox.request_cancellation(order["order_id"], "Salah alamat")
            await h.webhook("request_cancellation", order["order_id"])
            h.fake.fail_next("sendMessage", 502, "Bad Gateway", times=100)
            for _ in range(3):
                await h.rt.relay.run_once()
                h.clock.advance(seconds=2)
            h.fake.clear_failures()
            h.clock.advance(minutes=1)
            await h.deliver()
            assert len(_with(h, "Salah alamat")) == 1
            again = h.sandbox.webhook_body("request_cancellation", order["order_id"])
            h.clock.advance(minutes=5)  # a redelivery outside the webhook's dedup window
            assert (await h.post_webhook("order-request-cancellation", again)).status_code == 200
            await h.deliver()
            assert len(_with(h, "Salah alamat")) == 1

    async def test_tiktok_shop_first_alert_survives_a_failed_send(self, db_url):
        """A Tokopedia & Shop order announced by a status change is alerted after a 502."""
        async with harness(db_url, marketplaces=BOTH) as h:
            assert (await h.authorize_tts()).status_code == 200
            order = h.tts.add_order(TTS_SHOP_ID)
            await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
            h.fake.fail_next("sendMessage", 502, "Bad Gateway")
            await h.rt.relay.run_once()
            h.clock.advance(seconds=5)
            await h.deliver()
            alerts = [m for m in h.group() if str(order["id"]) in (m.plain_text or "")]
            assert len(alerts) == 1
            assert _buttons(alerts[0])

    async def test_digest_that_failed_is_sent_on_the_retry(self, db_url):
        """Orders saved for a digest Telegram refused are still listed once afterwards."""
        fake = FakeTelegram(enforce_limits=True)
        async with harness(db_url, marketplaces=BOTH, fake=fake, pacer=GroupPacer()) as h:
            assert (await h.authorize_tts()).status_code == 200
            placed = [h.tts.add_order(TTS_SHOP_ID) for _ in range(20)]
            for order in placed:
                await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
            fake.fail_next("sendMessage", 502, "Bad Gateway")
            await h.rt.relay.run_once()
            h.clock.advance(seconds=5)
            await h.deliver()
            assert [c.error_code for c in fake.calls if not c.ok] == [502]  # and no 429
            buttons = [b for m in h.group() for b in _buttons(m) if b.startswith("#")]
            assert len(buttons) == len(placed)  # besides "Proses semua"
            shown = "".join(m.plain_text or "" for m in h.group())
            for order in placed:
                assert shown.count(f"#{str(order['id'])[-4:]}") == 1, order["id"]

    async def test_old_status_replayed_late_is_not_shown_as_news(self, db_url):
        """A status older than the known one (a late replay) changes nothing in the group."""
        async with harness(db_url) as h:
            order, _ = await _alerted_order(h)
            h.sandbox.set_status(order["order_id"], 500)
            await h.webhook("order_status", order["order_id"])
            await h.deliver()
            shown = [(m.message_id, m.plain_text) for m in h.group()]
            h.sandbox.set_status(order["order_id"], 400)  # "processing", before "shipped"
            await h.webhook("order_status", order["order_id"])
            await h.deliver()
            assert [(m.message_id, m.plain_text) for m in h.group()] == shown


class TestCrashAndRestart:
    async def test_order_saved_but_never_posted_is_shown_after_a_restart(self, sqlite_url):
        """Row saved, alert lost with the process: the next run shows it, once."""
        async with harness(sqlite_url) as h:
            sandbox, fake, clock = h.sandbox, h.fake, h.clock
            order = sandbox.add_order(SHOP_ID)
            await h.webhook("order_notification", order["order_id"])
            fake.fail_next("sendMessage", 502, "Bad Gateway")
            await h.rt.relay.run_once()  # the order row is stored; its alert is not
        clock.advance(minutes=3)
        async with harness(sqlite_url, sandbox=sandbox, fake=fake, clock=clock) as again:
            await reconcile(again.rt.services, again.rt.store, clock.now)
            await again.deliver()
            assert len(_with(again, order["invoice_num"])) == 1

    async def test_order_row_without_an_alert_is_relayed_by_reconciliation(self, sqlite_url):
        """An order stored but never shown, whose event is parked, is found again."""
        async with harness(sqlite_url) as h:
            await reconcile(h.rt.services, h.rt.store, h.clock.now)  # the first run sets a cursor
            order = h.sandbox.add_order(SHOP_ID)
            await h.webhook("order_notification", order["order_id"])
            h.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: boom")
            await h.rt.relay.run_once()
            async with h.rt.sessions() as session, session.begin():
                from storage.models import InboxEvent  # noqa: PLC0415

                row = await session.get(InboxEvent, 1)
                assert row is not None
                row.status = "parked"
            h.clock.advance(minutes=5)
            figures = await reconcile(h.rt.services, h.rt.store, h.clock.now)
            assert figures.orders_missing == 1
            await h.deliver()
            assert len(_with(h, order["invoice_num"])) == 1

    async def test_telegram_down_for_15s_then_a_restart_shows_everything_once(self, sqlite_url):
        """5 chats and 3 orders during a 15 s outage, then a restart: each shown once."""
        async with harness(sqlite_url) as h:
            sandbox, fake, clock = h.sandbox, h.fake, h.clock
            fake.fail_next("sendMessage", 502, "Bad Gateway", times=1000)
            texts = [f"pesan nomor {n}" for n in range(5)]
            orders = [sandbox.add_order(SHOP_ID) for _ in range(3)]
            for second in range(15):
                if second < 5:
                    room = sandbox.add_chat(SHOP_ID, 700 + second, f"Budi {second}", texts[second])
                    await h.webhook("chat", room)
                if second < 3:
                    await h.webhook("order_notification", orders[second]["order_id"])
                await h.rt.relay.run_once()
                clock.advance(seconds=1)
            # Reconciliation runs while everything is still waiting.
            await reconcile(h.rt.services, h.rt.store, clock.now)
            fake.clear_failures()
        clock.advance(seconds=30)
        async with harness(sqlite_url, sandbox=sandbox, fake=fake, clock=clock) as again:
            await reconcile(again.rt.services, again.rt.store, clock.now)
            await again.deliver()
            clock.advance(minutes=15)
            await again.deliver()
            for text in texts:
                assert len(_with(again, text)) == 1, text
            for order in orders:
                assert len(_with(again, order["invoice_num"])) == 1


class TestChatsOnce:
    async def test_reconciliation_during_an_outage_does_not_double_chats(self, db_url):
        """Buyer messages waiting in the inbox are not stored again by reconciliation."""
        async with harness(db_url) as h:
            await reconcile(h.rt.services, h.rt.store, h.clock.now)
            h.fake.fail_next("sendMessage", 502, "Bad Gateway", times=100)
            rooms = [
                h.sandbox.add_chat(SHOP_ID, 800 + n, f"Sari {n}", f"halo {n}") for n in range(3)
            ]
            for room in rooms:
                await h.webhook("chat", room)
            await h.rt.relay.run_once()
            h.clock.advance(minutes=1)
            figures = await reconcile(h.rt.services, h.rt.store, h.clock.now)
            assert figures.chats_missing == 0
            h.fake.clear_failures()
            h.clock.advance(minutes=5)
            await h.deliver()
            for n in range(3):
                assert len(_with(h, f"halo {n}")) == 1

    async def test_message_found_by_reconciliation_first_is_not_shown_again_by_webhook(
        self, db_url
    ):
        """Whichever brings a buyer message first, webhook or poll, it is shown once."""
        async with harness(db_url) as h:
            await reconcile(h.rt.services, h.rt.store, h.clock.now)
            room = h.sandbox.add_chat(SHOP_ID, 901, "Dewi", "ada stok?")
            h.clock.advance(seconds=20)
            await reconcile(h.rt.services, h.rt.store, h.clock.now)
            await h.deliver()
            h.clock.advance(seconds=40)  # the webhook comes late, under its own key
            await h.webhook("chat", room)
            await h.deliver()
            assert len(_with(h, "ada stok?")) == 1

    async def test_split_message_retry_sends_only_the_missing_chunk(self, db_url):
        """A long message whose second part failed is completed, not re-sent whole."""
        async with harness(db_url) as h:
            text = ("Kak tolong cek ukuran ya " * 300)[:6000]
            room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", text)
            await h.webhook("chat", room)
            h.fake.fail_next("sendMessage", 502, "Bad Gateway", after=1)
            await h.rt.relay.run_once()
            assert len(h.group()) == 1
            h.clock.advance(seconds=5)
            await h.deliver()
            parts = h.group()
            assert len(parts) == 2
            assert "".join(p.plain_text for p in parts).count("Kak tolong") == text.count(
                "Kak tolong"
            )
            assert _buttons(parts[-1])


class TestTelegramSetUp:
    async def test_bot_removed_then_added_back_delivers_everything_without_parking(
        self, sqlite_url, caplog
    ):
        """Removed for hours: nothing is parked, one log line, and all is shown once back."""
        async with harness(sqlite_url) as h:
            h.fake.kick_bot(CHAT_ID)
            rooms = [
                h.sandbox.add_chat(SHOP_ID, 500 + n, f"Ani {n}", f"kak {n}?") for n in range(3)
            ]
            for room in rooms:
                await h.webhook("chat", room)
            with caplog.at_level(logging.ERROR, logger="bot.relay.worker"):
                for _ in range(60):  # seven hours of retries
                    await h.rt.relay.run_once()
                    h.clock.advance(minutes=7)
            assert len([r for r in caplog.records if "refuses the staff group" in r.message]) == 1
            health = (await h.web.get("/healthz/details")).json()
            assert health["parked"]["count"] == 0
            assert health["telegram"]["forbidden"] is True
            h.fake.add_bot_back(CHAT_ID)
            h.clock.advance(minutes=11)
            await h.deliver()
            for n in range(3):
                assert len(_with(h, f"kak {n}?")) == 1
            health = (await h.web.get("/healthz/details")).json()
            assert health["telegram"]["forbidden"] is False
            assert health["status"] == "ok"

    async def test_bot_demoted_waits_without_parking_until_promoted(self, sqlite_url):
        """'Not enough rights' is the group's set-up, not the message's: it waits."""
        async with harness(sqlite_url) as h:
            h.fake.set_bot_can_send(CHAT_ID, False)
            order = h.sandbox.add_order(SHOP_ID)
            await h.webhook("order_notification", order["order_id"])
            for _ in range(40):
                await h.rt.relay.run_once()
                h.clock.advance(minutes=11)
            health = (await h.web.get("/healthz/details")).json()
            assert health["parked"]["count"] == 0
            assert health["telegram"]["forbidden"] is True
            h.fake.set_bot_can_send(CHAT_ID, True)
            h.clock.advance(minutes=11)
            await h.deliver()
            assert len(_with(h, order["invoice_num"])) == 1

    async def test_revoked_token_waits_without_parking(self, sqlite_url):
        """A revoked token (401) is an outage: events wait for a new token, none is parked."""
        async with harness(sqlite_url) as h:
            h.fake.revoked = True
            room = h.sandbox.add_chat(SHOP_ID, 77, "Rudi", "permisi")
            await h.webhook("chat", room)
            for _ in range(30):
                await h.rt.relay.run_once()
                h.clock.advance(minutes=15)
            health = (await h.web.get("/healthz/details")).json()
            assert health["parked"]["count"] == 0
            assert health["backlog"]["pending"] == 1
            assert "TELEGRAM_BOT_TOKEN" in health["telegram"]["last_error"]

    async def test_group_migrated_to_a_supergroup_is_followed_and_reported(
        self, sqlite_url, caplog
    ):
        """Messages go to the new supergroup, once; the operator is told the new id."""
        async with harness(sqlite_url) as h:
            h.fake.migrate_chat(CHAT_ID, NEW_GROUP)
            with caplog.at_level(logging.ERROR):
                for n in range(2):
                    room = h.sandbox.add_chat(SHOP_ID, 600 + n, f"Tono {n}", f"cek {n}")
                    await h.webhook("chat", room)
                    await h.deliver()
            for n in range(2):
                assert len(_with(h, f"cek {n}", NEW_GROUP)) == 1
            notices = _with(h, "TELEGRAM_CHAT_ID", NEW_GROUP)
            assert len(notices) == 1
            assert str(NEW_GROUP) in notices[0]
            assert any(str(NEW_GROUP) in r.message for r in caplog.records)
            health = (await h.web.get("/healthz/details")).json()
            assert health["telegram"]["migrated_to"] == NEW_GROUP
            assert health["status"] == "degraded"
            # A staff reply in the new group still finds its buyer.
            relayed = next(m for m in h.fake.messages(NEW_GROUP) if "cek 0" in m.plain_text)
            async with h.rt.sessions() as session:
                from storage import links  # noqa: PLC0415

                link = await links.find_link(
                    session=session, chat_id=NEW_GROUP, message_id=relayed.message_id
                )
            assert link is not None


class TestEventsCommand:
    def test_events_lists_pending_and_parked_and_retry_replays_them(
        self, sqlite_url, monkeypatch, capsys, tmp_path
    ):
        """`tokobot events` names what waits (no buyer text); `retry --all` gets it shown."""
        from bot.cli import main  # noqa: PLC0415
        from storage.models import InboxEvent  # noqa: PLC0415

        state: dict[str, object] = {}

        async def park_one() -> None:
            async with harness(sqlite_url) as h:
                room = h.sandbox.add_chat(SHOP_ID, 31, "Lina", "rahasia pembeli")
                await h.webhook("chat", room)
                h.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: boom")
                await h.rt.relay.run_once()
                async with h.rt.sessions() as session, session.begin():
                    row = await session.get(InboxEvent, 1)
                    assert row is not None
                    row.status = "parked"
                state.update(sandbox=h.sandbox, fake=h.fake, clock=h.clock)

        asyncio.run(park_one())
        env = {
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_CHAT_ID": str(CHAT_ID),
            "MARKETPLACES": "tokopedia",
            "TOKOPEDIA_APP_ID": "13000",
            "TOKOPEDIA_CLIENT_ID": "sandbox-client",
            "TOKOPEDIA_CLIENT_SECRET": "sandbox-secret",
            "TOKOPEDIA_WEBHOOK_SECRET": "sandbox-webhook-secret",
            "DATABASE_URL": sqlite_url,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)  # no .env here
        assert main(["events"]) == 0
        listing = capsys.readouterr().out
        assert "parked" in listing
        assert "buyer_message" in listing
        assert "can't parse entities" in listing.lower()
        assert "rahasia" not in listing
        assert main(["events", "retry"]) == 2  # an ID or --all, not neither
        assert main(["events", "retry", "--all"]) == 0
        capsys.readouterr()
        assert main(["events"]) == 0
        assert "parked" not in capsys.readouterr().out

        async def restart() -> None:
            async with harness(sqlite_url, **state) as again:  # type: ignore[arg-type]
                again.clock.advance(minutes=1)  # the command stamps "now" by the wall clock
                await again.deliver()
                assert len(_with(again, "rahasia pembeli")) == 1

        asyncio.run(restart())

    async def test_parked_event_is_retried_once_at_start_up(self, sqlite_url):
        """A parked event (its cause fixed meanwhile) is shown by the next start, once."""
        async with harness(sqlite_url) as h:
            sandbox, fake, clock = h.sandbox, h.fake, h.clock
            room = sandbox.add_chat(SHOP_ID, 41, "Maya", "sudah dikirim?")
            await h.webhook("chat", room)
            async with h.rt.sessions() as session, session.begin():
                from storage.models import InboxEvent  # noqa: PLC0415

                row = await session.get(InboxEvent, 1)
                assert row is not None
                row.status = "parked"
            assert await h.deliver() == 0
        async with harness(sqlite_url, sandbox=sandbox, fake=fake, clock=clock) as again:
            stop = asyncio.Event()
            running = asyncio.create_task(again.rt.relay.run(stop))
            for _ in range(200):
                if _with(again, "sudah dikirim?"):
                    break
                await asyncio.sleep(0.02)
            stop.set()
            await running
            assert len(_with(again, "sudah dikirim?")) == 1
