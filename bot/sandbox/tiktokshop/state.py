"""In-memory state of the simulated TikTok Shop app: shops, grants, orders, chats, faults."""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.sandbox.tiktokshop import catalogue, payloads, webhooks
from bot.sandbox.tiktokshop.catalogue import PENDING
from bot.sandbox.tiktokshop.media_store import MediaStore, image_content, video_content
from bot.sandbox.tiktokshop.qps import QpsLimit
from bot.sandbox.tiktokshop.records import (
    AccessToken,
    AuthCode,
    Buyer,
    Cancellation,
    Conversation,
    Grant,
    Injection,
    JsonDict,
    RecordedCall,
)
from bot.sandbox.tiktokshop.return_desk import ReturnDesk
from bot.sandbox.tiktokshop.signing import webhook_signature

DAY = 86400
AUTH_CODE_TTL = 30 * 60  # §4.2
CANCEL_RESPONSE_WINDOW = 2 * DAY  # buyer requests auto-approve after 48 hours (§10.2)
DEFAULT_BUYER = "Budi Santoso"


class TikTokSandboxState:
    """Everything the simulator knows; tests arrange it directly and inspect what happened."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        service_id: str,
        clock: Callable[[], float] = time.time,
        access_ttl: int = 7 * DAY,
        refresh_ttl: int = 365 * DAY,
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.service_id = service_id
        self.clock = clock
        self.access_ttl = access_ttl
        # Doc: the refresh token lives as long as the seller's grant (~365 days, UNCONFIRMED).
        self.refresh_ttl = refresh_ttl
        self.shops: dict[str, JsonDict] = {}
        # Event API subscriptions: shop id -> event type -> address (§7.1).
        self.shop_webhooks: dict[str, dict[str, str]] = {}
        self.shop_im_users: dict[str, str] = {}
        self.buyers: dict[str, Buyer] = {}
        self.orders: dict[str, JsonDict] = {}
        self.conversations: dict[str, Conversation] = {}
        self.products: dict[str, JsonDict] = {}  # Get Product records, by product id
        self.cancellations: dict[str, Cancellation] = {}
        self.returns = ReturnDesk(self)  # return and refund requests (§10.5)
        self.calls: list[RecordedCall] = []
        self.sent_messages: list[JsonDict] = []
        self.media = MediaStore()
        self.cs_calls = 0
        self.qps = QpsLimit()  # per API, app and shop (§11)
        # Doc silent on per shop or per app; one state is one app, so per app here.
        self.cs_daily_quota: int | None = 10_000
        self.sensitive_words: list[str] = ["whatsapp", "wa.me", "transfer di luar"]
        self.seller_cancel_reasons = catalogue.seller_cancel_reasons()
        # Doc: whether the old refresh token dies on refresh is UNCONFIRMED; the strict
        # reading (it does) catches a client that forgets to store the new one.
        self.rotate_refresh_tokens = True
        self.idempotency: dict[tuple[str, str], tuple[str, Any]] = {}
        self._cs_day_counts: dict[int, int] = {}
        self._auth_codes: dict[str, AuthCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, Grant] = {}
        self._injections: list[Injection] = []
        self._next_id = dict(catalogue.ID_BASES)

    def new_id(self, kind: str) -> str:
        value = self._next_id[kind]
        self._next_id[kind] = value + 1
        return str(value)

    def now(self) -> int:
        return int(self.clock())

    # --- shops and authorization --------------------------------------------------------

    def add_shop(self, shop_id: str, name: str) -> JsonDict:
        """Add a shop the seller can authorize; returns its Get Authorized Shops row."""
        if not (shop_id.isdigit() and len(shop_id) == 19):
            raise ValueError(f"shop ids are 19-digit strings, got {shop_id!r}")
        self.shops[shop_id] = payloads.new_shop(shop_id, name)
        self.shop_im_users[shop_id] = str(7_494_200_000_000_000_000 + len(self.shops))
        return self.shops[shop_id]

    def shop(self, shop_id: str) -> JsonDict:
        if shop_id not in self.shops:
            raise KeyError(f"unknown shop_id {shop_id}")
        return self.shops[shop_id]

    def shop_by_cipher(self, cipher: str) -> JsonDict | None:
        return next((s for s in self.shops.values() if s["cipher"] == cipher), None)

    def issue_auth_code(self, shop_ids: list[str], scopes: Iterable[str] | None = None) -> str:
        """The `code` the seller's browser brings to the redirect URL: single use, 30 minutes."""
        for shop_id in shop_ids:
            self.shop(shop_id)
        code = "ROW_" + secrets.token_urlsafe(24)
        granted = tuple(catalogue.SCOPES if scopes is None else scopes)
        expires_at = self.clock() + AUTH_CODE_TTL
        self._auth_codes[code] = AuthCode(tuple(shop_ids), granted, expires_at)
        return code

    def exchange_auth_code(self, code: str) -> JsonDict:
        """token/get: a new grant and token pair; LookupError if the code is unusable."""
        auth = self._auth_codes.get(code)
        if auth is None or auth.used or self.clock() >= auth.expires_at:
            raise LookupError("auth_code is invalid, expired or already used")
        auth.used = True
        name = self.shops[auth.shop_ids[0]]["name"] if auth.shop_ids else ""
        grant = Grant(
            open_id=self.new_id("open_id"),
            seller_name=name,
            shop_ids=auth.shop_ids,
            scopes=auth.scopes,
            refresh_expires_at=self.now() + self.refresh_ttl,
        )
        return self._issue_tokens(grant)

    def refresh_tokens(self, refresh_token: str) -> JsonDict:
        """token/refresh: a new pair for the same grant; LookupError if the token is unusable."""
        grant = self._refresh.get(refresh_token)
        if grant is None or self.clock() >= grant.refresh_expires_at:
            raise LookupError("refresh_token is invalid or expired")
        if self.rotate_refresh_tokens:
            del self._refresh[refresh_token]
            return self._issue_tokens(grant)
        return self._issue_tokens(grant, refresh_token=refresh_token)

    def _issue_tokens(self, grant: Grant, refresh_token: str = "") -> JsonDict:
        access_token = "TTP_" + secrets.token_urlsafe(30)
        refresh_token = refresh_token or "TTP_" + secrets.token_urlsafe(30)
        expires_at = self.now() + self.access_ttl
        self._access[access_token] = AccessToken(grant, expires_at)
        self._refresh[refresh_token] = grant
        return {
            "access_token": access_token,
            "access_token_expire_in": expires_at,  # absolute Unix time, not a duration
            "refresh_token": refresh_token,
            "refresh_token_expire_in": grant.refresh_expires_at,
            "open_id": grant.open_id,
            "seller_name": grant.seller_name,
            "seller_base_region": "ID",
            "user_type": 0,
            "granted_scopes": list(grant.scopes),
        }

    def access_token(self, token: str) -> AccessToken | None:
        return self._access.get(token)

    def grant_for_shop(self, shop_id: str) -> Grant | None:
        """The latest grant covering `shop_id`, if any (webhook 7 uses its end)."""
        grants = [g for g in self._refresh.values() if shop_id in g.shop_ids]
        return grants[-1] if grants else None

    def expire_access_tokens(self) -> None:
        """Expire every access token now, as if seven days had passed (refresh tokens live)."""
        for entry in self._access.values():
            entry.expires_at = -math.inf

    # --- faults and quotas --------------------------------------------------------------

    def fail_next(
        self, path_regex: str, http_status: int, code: int = 0, times: int = 1, message: str = ""
    ) -> None:
        """Answer the next `times` requests whose path matches with this error.

        `code` 0 picks the documented one for the status: 429 -> 36009002, 504 -> 36009007,
        anything else -> 36009003. `fail_next(r"...", 200, 36009003)` gives an HTTP 200
        whose envelope carries the error, which only a client that checks `code` notices.
        """
        if code == 0:
            code = {429: catalogue.TOO_MANY_REQUESTS, 504: catalogue.TIMEOUT}.get(
                http_status, catalogue.INTERNAL_ERROR
            )
        pattern = re.compile(path_regex)
        self._injections.append(Injection(pattern, http_status, code, times, message))

    def take_injection(self, path: str) -> Injection | None:
        for injection in self._injections:
            if injection.pattern.search(path):
                injection.times -= 1
                if injection.times <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def count_cs_call(self) -> bool:
        """Charge one Customer Service call to today's quota; False once it is used up."""
        day = self.now() // DAY
        used = self._cs_day_counts.get(day, 0)
        if self.cs_daily_quota is not None and used >= self.cs_daily_quota:
            return False
        self._cs_day_counts[day] = used + 1
        self.cs_calls += 1
        return True

    # --- orders -------------------------------------------------------------------------

    def buyer(self, nickname: str) -> Buyer:
        """The buyer with this nickname, created on first use (orders and chats share it)."""
        if nickname not in self.buyers:
            user_id, im_user_id = self.new_id("user"), self.new_id("im_user")
            self.buyers[nickname] = payloads.new_buyer(nickname, user_id, im_user_id)
        return self.buyers[nickname]

    def add_order(self, shop_id: str, **overrides: Any) -> JsonDict:
        """Create an order (AWAITING_SHIPMENT unless overridden); returns the live record.

        Shortcuts: `status`, `id`, `buyer_nickname`, `create_time`, `commerce_platform`
        (TOKOPEDIA | TIKTOK_SHOP) and `line_items` (partial dicts, completed; `quantity: n`
        gives n rows). Any other override must name a top-level key of the record.
        """
        self.shop(shop_id)
        status = catalogue.normalize_status(str(overrides.pop("status", "AWAITING_SHIPMENT")))
        order_id = str(overrides.pop("id", "")) or self.new_id("order")
        if order_id in self.orders:
            raise ValueError(f"order {order_id} already exists")
        specs = overrides.pop("line_items", None) or [dict(i) for i in payloads.DEFAULT_ITEMS]
        order = payloads.new_order(
            order_id=order_id,
            shop_id=shop_id,
            buyer=self.buyer(str(overrides.pop("buyer_nickname", DEFAULT_BUYER))),
            created=int(overrides.pop("create_time", self.now())),
            status=status,
            items=payloads.line_items(specs, self.new_id),
            commerce_platform=str(overrides.pop("commerce_platform", "TOKOPEDIA")),
            new_id=self.new_id,
        )
        unknown = sorted(set(overrides) - set(order))
        if unknown:
            raise TypeError(f"add_order() got unknown overrides {unknown}")
        order.update(overrides)
        self.orders[order_id] = order
        return order

    def order(self, order_id: str) -> JsonDict:
        if order_id not in self.orders:
            raise KeyError(f"unknown order_id {order_id}")
        return self.orders[order_id]

    def set_order_status(self, order_id: str, status: str) -> None:
        """Move an order as TikTok's side would (payment, carrier, system); CANCEL is accepted."""
        order = self.order(order_id)
        status = catalogue.normalize_status(status)
        if status == "CANCELLED":
            self.cancel_order(order, order["cancel_reason"], "SYSTEM")
        else:
            payloads.apply_status(order, status, self.now())

    def cancel_order(self, order: JsonDict, reason: str, initiator: str) -> None:
        order["cancel_reason"] = reason
        order["cancellation_initiator"] = initiator
        order["is_buyer_request_cancel"] = False
        for item in order["line_items"]:
            item.update(cancel_user=initiator, cancel_reason=reason, display_status="CANCELLED")
        payloads.apply_status(order, "CANCELLED", self.now())

    def add_product(
        self, shop_id: str, title: str, prices: Iterable[int] = (50_000,), *,
        status: str = "ACTIVATE",
    ) -> JsonDict:  # fmt: skip
        """A product of the shop for Get Product, one SKU per price; returns its record."""
        self.shop(shop_id)
        product = payloads.new_product(
            product_id=self.new_id("product"), shop_id=shop_id, title=title, prices=prices,
            status=status, now=self.now(), new_id=self.new_id,
        )  # fmt: skip
        self.products[product["id"]] = product
        return product

    # --- chat ---------------------------------------------------------------------------

    def add_conversation(
        self,
        shop_id: str,
        buyer_name: str,
        buyer_platform: str = "TOKOPEDIA",
        *,
        can_send_message: bool = True,
    ) -> str:
        """Open a conversation between a buyer and the shop; returns its id."""
        self.shop(shop_id)
        conv = Conversation(
            id=self.new_id("conversation"),
            shop_id=shop_id,
            buyer=self.buyer(buyer_name),
            buyer_platform=buyer_platform,
            create_time=self.now(),
            can_send_message=can_send_message,
        )
        self.conversations[conv.id] = conv
        return conv.id

    def conversation(self, conversation_id: str) -> Conversation:
        if conversation_id not in self.conversations:
            raise KeyError(f"unknown conversation_id {conversation_id}")
        return self.conversations[conversation_id]

    def add_message(
        self,
        conversation_id: str,
        role: str,
        text: str,
        type: str = "TEXT",
        *,
        is_visible: bool = True,
    ) -> JsonDict:
        """Append a message from `role`; TEXT wraps `text`, other types take JSON content."""
        conv = self.conversation(conversation_id)
        if role == "BUYER":
            who = conv.buyer
            sender = {"im_user_id": who.im_user_id, "nickname": who.nickname, "avatar": who.avatar}
        else:
            shop = self.shops[conv.shop_id]
            sender = {"im_user_id": self.shop_im_users[conv.shop_id], "nickname": shop["name"],
                      "avatar": ""}  # fmt: skip
        message = payloads.new_message(
            message_id=self.new_id("message"),
            index=self.new_id("index"),
            type_=type,
            content=payloads.message_content(type, text),
            now=self.now(),
            sender={**sender, "role": role},
            is_visible=is_visible,
        )
        conv.messages.append(message)
        return message

    def buyer_says(self, conversation_id: str, text: str, type: str = "TEXT") -> JsonDict:
        """A new buyer message: raises the conversation's unread_count; returns the message."""
        return self.add_message(conversation_id, "BUYER", text, type)

    def buyer_sends_media(
        self, conversation_id: str, data: bytes, kind: str = "IMAGE"
    ) -> JsonDict:
        """A buyer's IMAGE or VIDEO, its bytes behind a URL that needs the shop's token."""
        url = self.media.put(self.conversation(conversation_id).shop_id, data, kind.lower())
        if kind == "IMAGE":
            return self.add_message(conversation_id, "BUYER", image_content(data, url), kind)
        content = video_content(data, url, self.now())
        return self.add_message(conversation_id, "BUYER", content, kind)

    # --- cancellations ------------------------------------------------------------------

    def request_cancellation(self, order_id: str, reason: str) -> str:
        """A buyer asks to cancel: a pending BUYER_CANCEL with a 48-hour deadline (§10.2)."""
        order = self.order(order_id)
        if order["status"] not in catalogue.BUYER_CANCELLABLE:
            raise ValueError(f"order {order_id} is {order['status']}; buyers cannot ask to cancel")
        if any(
            c.order_id == order_id and c.status == PENDING for c in self.cancellations.values()
        ):
            raise ValueError(f"order {order_id} already has a pending cancellation")
        now = self.now()
        cancel = Cancellation(
            cancel_id=self.new_id("cancel"),
            order_id=order_id,
            shop_id=order["shop_id"],
            cancel_type="BUYER_CANCEL",
            role="BUYER",
            status=PENDING,
            reason=reason,
            create_time=now,
            update_time=now,
            deadline=now + CANCEL_RESPONSE_WINDOW,
            reject_reasons=list(catalogue.REJECT_REASONS),
        )
        self.cancellations[cancel.cancel_id] = cancel
        order.update(is_buyer_request_cancel=True, request_cancel_time=now, update_time=now)
        return cancel.cancel_id

    def sweep_cancellations(self) -> None:
        """Approve pending buyer requests whose deadline passed, as TikTok does (§10.2)."""
        now = self.now()
        for cancel in self.cancellations.values():
            if cancel.status == PENDING and cancel.deadline is not None and now >= cancel.deadline:
                self.approve_cancellation(cancel)

    def approve_cancellation(self, cancel: Cancellation) -> None:
        cancel.status = catalogue.SUCCESS
        cancel.update_time = self.now()
        self.cancel_order(self.orders[cancel.order_id], cancel.reason, cancel.role)

    # --- webhooks -----------------------------------------------------------------------

    def webhook_body(self, type: int, **fields: Any) -> JsonDict:
        """A realistic notification body of topic `type` (§7.3, §7.4); see `webhooks.build`."""
        return webhooks.build(self, type, fields)

    def sign_webhook(self, raw: bytes) -> str:
        """The `Authorization` header value for these exact body bytes (§7.2)."""
        return webhook_signature(raw, self.app_key, self.app_secret)
