"""`tokobot doctor` with several staff groups: every group checked, every listed shop known."""

from __future__ import annotations

from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, harness
from tests.ops.test_doctor import PUBLIC, _by_name, _doctor

SHOP_GROUP = -1002222222222
OVERFLOW = -1003333333333


async def test_every_group_is_checked_and_named_by_its_setting(sqlite_url):
    """The shop group passes; the overflow group the bot cannot see fails, naming the
    setting to check."""
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        h.fake.add_chat(SHOP_GROUP, "Gudang", members={ADMIN_ID: "administrator"})
        h.fake.set_bot_member(CHAT_ID, "administrator")
        h.fake.set_bot_member(SHOP_GROUP, "administrator")
        report = await _doctor(
            h,
            shop_groups=f"tokopedia:{SHOP_ID}={SHOP_GROUP}",
            telegram_overflow_chat_ids=[OVERFLOW],
        )
    checks = _by_name(report)
    assert checks["telegram group"][0] == "ok"
    assert checks[f"telegram group {SHOP_GROUP}"][0] == "ok"
    mark, detail = checks[f"telegram group {OVERFLOW}"]
    assert mark == "fail"
    assert "TELEGRAM_OVERFLOW_CHAT_IDS" in detail
    assert checks["shop groups"] == ("ok", f"Toko Maju Jaya → {SHOP_GROUP}")
    assert not report.passed


async def test_a_shop_group_naming_no_known_shop_fails(sqlite_url):
    """A mistyped shop id would quietly send that shop to the main group: doctor says so and
    lists the shops it knows."""
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        h.fake.add_chat(SHOP_GROUP, "Gudang", members={ADMIN_ID: "administrator"})
        report = await _doctor(h, shop_groups=f"tokopedia:4795730={SHOP_GROUP}")
    mark, detail = _by_name(report)["shop groups"]
    assert mark == "fail"
    assert "tokopedia:4795730" in detail
    assert f"tokopedia:{SHOP_ID} (Toko Maju Jaya)" in detail
