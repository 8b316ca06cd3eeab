"""Which staff group a shop belongs to: ``SHOP_GROUPS`` and ``TELEGRAM_OVERFLOW_CHAT_IDS``.

``GroupMap`` is a plain value built once from the settings. Every path that posts about a
shop asks it for the shop's group (``group_for``); every path that acts in a group asks it
which shops that group covers (``covers``, ``shops_of``). Shops not listed in SHOP_GROUPS
belong to the main group, TELEGRAM_CHAT_ID.

Overflow groups extend the main group only: they take its new conversations and orders
while the main group's budget is spent (``place``), and cover the same shops, so staff in
either may act on them. A shop group has no overflow; it has its own budget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.domain.values import MarketplaceName

ShopKey = tuple[str, str]  # (marketplace, shop_id)

SHOP_GROUPS_FORMAT = "marketplace:shop_id=group_id, e.g. tokopedia:123457=-1002222222222"


def parse_shop_groups(text: str) -> dict[ShopKey, int]:
    """``tokopedia:123457=-100222…,tiktokshop:7495…=-100333…`` as {(marketplace, shop): group}.

    Raises ``ValueError`` naming the first bad entry and what was expected of it.
    """
    found: dict[ShopKey, int] = {}
    known = {name.value for name in MarketplaceName}
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        shop, equals, group = entry.partition("=")
        marketplace, colon, shop_id = shop.strip().partition(":")
        marketplace, shop_id, group = marketplace.strip().lower(), shop_id.strip(), group.strip()
        if not (equals and colon and marketplace and shop_id and group):
            raise ValueError(f"{entry!r} is not {SHOP_GROUPS_FORMAT}")
        if marketplace not in known:
            raise ValueError(
                f"{entry!r}: unknown marketplace {marketplace!r}; use tokopedia or tiktokshop"
            )
        if not group.startswith("-") or not group[1:].isdigit():
            raise ValueError(f"{entry!r}: the group id must be negative, like -1001234567890")
        key = (marketplace, shop_id)
        if key in found and found[key] != int(group):
            raise ValueError(f"{marketplace}:{shop_id} is listed for two groups")
        found[key] = int(group)
    return found


@dataclass(frozen=True)
class ShopScope:
    """The shops a group covers: ``only`` these, or (``only`` None) every shop but ``excluded``."""

    only: frozenset[ShopKey] | None = None
    excluded: frozenset[ShopKey] = frozenset()

    def covers(self, marketplace: str, shop_id: str) -> bool:
        key = (marketplace, shop_id)
        if self.only is not None:
            return key in self.only
        return key not in self.excluded


EVERY_SHOP = ShopScope()
NO_SHOP = ShopScope(only=frozenset())


@dataclass(frozen=True)
class GroupMap:
    """The staff groups and the shops each one covers."""

    main: int
    shops: Mapping[ShopKey, int] = field(default_factory=dict)
    overflow: tuple[int, ...] = ()

    @property
    def homes(self) -> tuple[int, ...]:
        """The groups shops belong to: the main group first, then each shop group once."""
        return tuple(dict.fromkeys((self.main, *self.shops.values())))

    @property
    def all(self) -> tuple[int, ...]:
        """Every staff group: where tokobot posts and listens."""
        return tuple(dict.fromkeys((*self.homes, *self.overflow)))

    def group_for(self, marketplace: str, shop_id: str) -> int:
        """The shop's own group (a shop not listed belongs to the main group)."""
        return self.shops.get((marketplace, shop_id), self.main)

    def is_staff_group(self, chat_id: int) -> bool:
        return chat_id in self.all

    def home_of(self, chat_id: int) -> int | None:
        """The group whose shops ``chat_id`` covers (an overflow group covers the main's)."""
        if chat_id in self.overflow and chat_id not in self.shops.values():
            return self.main
        return chat_id if chat_id in self.homes else None

    def shops_of(self, chat_id: int) -> ShopScope:
        """The shops a staff group covers; none for a chat that is no staff group."""
        home = self.home_of(chat_id)
        if home is None:
            return NO_SHOP
        if home == self.main:
            elsewhere = {key for key, group in self.shops.items() if group != self.main}
            return ShopScope(excluded=frozenset(elsewhere))
        return ShopScope(only=frozenset(k for k, group in self.shops.items() if group == home))

    def covers(self, chat_id: int, marketplace: str, shop_id: str) -> bool:
        """May staff in ``chat_id`` see and act on this shop's orders and conversations?"""
        home = self.home_of(chat_id)
        return home is not None and home == self.group_for(marketplace, shop_id)

    def spill_of(self, home: int) -> tuple[int, ...]:
        """Where a home group's new work may go when its budget is spent."""
        return tuple(g for g in self.overflow if g != home) if home == self.main else ()

    def kept(self, marketplace: str, shop_id: str, shown_in: int | None) -> int:
        """Where a conversation or order shown in ``shown_in`` is now: there, if that group
        still covers the shop (SHOP_GROUPS may have changed since), else the shop's group."""
        home = self.group_for(marketplace, shop_id)
        return shown_in if shown_in in (home, *self.spill_of(home)) else home

    def place(
        self,
        marketplace: str,
        shop_id: str,
        *,
        shown_in: int | None,
        free: Callable[[int], int],
    ) -> int:
        """The group to post a conversation's or order's next message in.

        Once shown in a group that still covers the shop, it stays there. Something new goes
        to its shop's group, or, only while that group has no free slot (``free``), to the
        first overflow group that has one.
        """
        home = self.group_for(marketplace, shop_id)
        spill = self.spill_of(home)
        if shown_in is not None and shown_in in (home, *spill):
            return shown_in
        if not spill or free(home) > 0:
            return home
        return next((group for group in spill if free(group) > 0), home)
