"""The demo's "shop closed" switch and its seeded quick replies.

The page's switch stands in for the clock: while it is on, the shop counts as closed (as at
night or on a holiday), so a buyer's message earns the away message; each time it is turned on
a new closed period begins. tokobot itself is unchanged: it is handed opening hours that ask
the switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.jobs.rules import BusinessHours, parse_business_hours
from bot.relay.away import AwayRules
from bot.relay.config import RelayConfig
from storage import templates

if TYPE_CHECKING:
    from bot.app import Runtime

AWAY_TEXT = (
    "Halo {buyer}, terima kasih sudah menghubungi {shop}. Toko sedang tutup; "
    "pesan Kakak kami balas begitu buka kembali ya 🙏"
)
TEMPLATES = {
    "salam": "Halo {buyer}, terima kasih sudah menghubungi {shop}! Ada yang bisa kami bantu?",
    "stok": "Stoknya masih ada, Kak {buyer}. Silakan langsung diorder ya 😊",
    "ongkir": "Ongkir dihitung otomatis saat checkout sesuai alamat Kakak.",
    "resi": "Pesanan Kakak sudah kami kirim; nomor resinya bisa dilihat di halaman pesanan.",
}
_FAR = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass
class ClosedSwitch:
    closed: bool = False
    periods: int = 0  # how many times it was turned on: each is its own closed period

    def set(self, closed: bool) -> bool:
        if closed and not self.closed:
            self.periods += 1
        self.closed = closed
        return self.closed


@dataclass(frozen=True)
class SwitchedHours(BusinessHours):
    """Open unless the switch says closed; a closed period "ends" at a far, unique moment."""

    switch: ClosedSwitch = field(default_factory=ClosedSwitch)

    def is_open(self, moment: datetime, tz: ZoneInfo) -> bool:
        return not self.switch.closed

    def next_opening(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        if not self.switch.closed:
            return moment
        return _FAR - timedelta(seconds=self.switch.periods)


def relay_config(settings: Settings, switch: ClosedSwitch) -> RelayConfig:
    """The relay's ordinary settings, with the switch deciding when the shop is closed."""
    hours = parse_business_hours(settings.business_hours)
    switched = SwitchedHours(hours.spans, hours.holidays, switch)
    return RelayConfig(
        chat_id=settings.telegram_chat_id,
        topics=settings.telegram_topics,
        lang=settings.bot_language,
        tz=settings.zone,
        shop_groups=settings.groups,
        away=AwayRules(settings.auto_reply_text, switched, settings.zone),
    )


async def seed_templates(rt: Runtime) -> None:
    """A few quick replies to try, stored when there are none (a fresh demo)."""
    async with rt.services.sessions() as session, session.begin():
        if await templates.all_templates(session=session):
            return
        for name, text in TEMPLATES.items():
            await templates.add(
                session=session, name=name, text=text, created_by="demo", now=rt.services.clock()
            )
