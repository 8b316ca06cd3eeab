"""Pure Tokopedia protocol logic: signatures, envelopes, money, time, windows, NACK rules.

Nothing here does I/O, so all of it is tested with plain values.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from bot.domain.values import OrderState, OrderStatus
from bot.marketplaces.lenient import checked_time, from_epoch

from .errors import RateLimited, RejectionInvalid, TokopediaError, classify

# Tokopedia is an Indonesian platform: where a time carries no offset it is Jakarta time (WIB,
# UTC+7, no DST), as ODOO-M reads Get Single Order timestamps (doc §8.2).
WIB = timezone(timedelta(hours=7), "WIB")

# --- webhook signature (§5.1) ------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """Return the lowercase hex HMAC-SHA256 Tokopedia puts in ``Authorization-Hmac``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header_value: str | None, secret: str) -> bool:
    """Check ``Authorization-Hmac`` against the raw body, in constant time."""
    if not header_value or not secret:
        return False  # an unset secret must not make every empty-key signature valid
    candidate = header_value.strip().lower()
    if not candidate.isascii():
        return False  # compare_digest refuses non-ASCII str; such a header is wrong anyway
    return hmac.compare_digest(candidate, sign(body, secret))


# --- response envelopes (§10.1) ----------------------------------------------------------------

_SUCCESS_CODES = {"", "0", "200"}


def unwrap_envelope(status_code: int, payload: Any, *, reset_after: float | None = None) -> Any:
    """Return the ``data`` of a response in either envelope, or raise its ``TokopediaError``.

    Main envelope: ``{"header": {"error_code", "messages", "reason"}, "data"}``. Legacy
    envelope: ``{"data", "status": "200 Ok", "error_message": [...]}``. An HTTP error status
    always wins: a documented failure carries ``error_code: 0`` with a ``reason``.
    """
    if isinstance(payload, dict) and isinstance(payload.get("header"), dict):
        header = payload["header"]
        code = header.get("error_code")
        code_text = "" if code is None else str(code).strip()
        messages = str(header.get("messages") or "")
        reason = str(header.get("reason") or "")
        data = payload.get("data")
        failed = (
            status_code >= 400
            or code_text not in _SUCCESS_CODES
            # "reason is set on errors": a reason with no data is a failure even under a 200.
            or (data is None and bool(reason))
        )
        if failed:
            message = f"{messages} ({reason})" if messages and reason else messages or reason
            if code_text in _SUCCESS_CODES:
                # Refused without a code (e.g. "invalid shop_id format"): a request problem.
                raise _error("", message, max(status_code, 400), reset_after)
            raise _error(code_text, message, status_code, reset_after)
        return data
    if isinstance(payload, dict) and "status" in payload and "data" in payload:
        status_text = str(payload.get("status") or "")
        errors = payload.get("error_message") or []
        message = "; ".join(str(e) for e in errors) if isinstance(errors, list) else str(errors)
        legacy_status = _leading_int(status_text)
        if status_code >= 400 or (legacy_status is not None and legacy_status >= 400):
            effective = status_code if status_code >= 400 else legacy_status or status_code
            raise _error("", message or status_text, effective, reset_after)
        return payload["data"]
    if status_code >= 400:
        raise _error(
            "", f"HTTP {status_code} without a Tokopedia envelope", status_code, reset_after
        )
    raise TokopediaError("", "response is neither envelope Tokopedia documents", status_code)


def _error(code: str, message: str, status: int, reset_after: float | None) -> TokopediaError:
    cls = classify(code, status)
    if cls is RateLimited:
        return RateLimited(code, message, status, reset_after=reset_after)
    return cls(code, message, status)


def _leading_int(text: str) -> int | None:
    match = re.match(r"\s*(\d{3})", text)
    return int(match.group(1)) if match else None


def parse_reset_after(value: str | None) -> float | None:
    """Read ``X-Ratelimit-Reset-After`` ("-0.000000" while quota remains) as seconds >= 0."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if math.isnan(seconds):
        return None
    return max(seconds, 0.0)


# --- money and time ------------------------------------------------------------------------------


# Epochs beyond this many seconds (year 5138) can only be milliseconds (§7.1 last_reply_time).
_MS_THRESHOLD = 10**11
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_time(value: Any) -> datetime | None:
    """Turn an ISO string, UNIX seconds or ms epoch into an aware UTC datetime.

    Empty values, 0 and Go's zero time ("0001-01-01T00:00:00Z", used for unset deadlines)
    give None. Raises ``ValueError`` for anything else, times outside
    ``bot.marketplaces.lenient.EARLIEST``..``LATEST`` included.
    """
    moment: datetime | None
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")  # noqa: TRY004 - pydantic wants ValueError
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = _from_epoch(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        moment = _from_epoch(float(text)) if _NUMBER.match(text) else datetime.fromisoformat(text)
    else:
        raise ValueError(f"not a time: {value!r}")  # noqa: TRY004 - pydantic wants ValueError
    if moment is None or moment.year <= 1:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return checked_time(moment).astimezone(UTC)


def _from_epoch(number: float) -> datetime | None:
    if number == 0:
        return None
    if not abs(number) < _MS_THRESHOLD * 1000:  # NaN too; a huge int would overflow a float
        raise ValueError(f"time out of range: {number!r:.40}")
    seconds = number / 1000 if abs(number) >= _MS_THRESHOLD else number
    return from_epoch(seconds)


# --- order-list windows (§8.1) ------------------------------------------------------------------

# Get All Orders refuses ranges of 3 days or more (ORD_DLV_013); stay well inside the limit.
MAX_WINDOW = timedelta(days=3) - timedelta(hours=1)


def split_windows(
    since: datetime, until: datetime, max_span: timedelta = MAX_WINDOW
) -> list[tuple[datetime, datetime]]:
    """Cut [since, until) into consecutive windows no longer than ``max_span``."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be timezone-aware")
    if max_span <= timedelta(0):
        raise ValueError("max_span must be positive")
    windows: list[tuple[datetime, datetime]] = []
    start = since
    while start < until:
        end = min(start + max_span, until)
        windows.append((start, end))
        start = end
    return windows


# --- order status codes (§8.6) ------------------------------------------------------------------

STATUS_LABELS: dict[int, str] = {
    0: "Seller cancel order",
    2: "Order Reject Replaced",
    3: "Order Reject Due Empty Stock",
    4: "Order Reject Approval",
    5: "Order Canceled by Fraud",
    6: "Order Rejected (Auto Cancel Out of Stock)",
    10: "Order rejected by seller",
    11: "Order Pending Replacement",
    15: "Instant Cancel by Buyer",
    100: "Order Created",
    103: "Wait for payment confirmation from third party",
    200: "Payment confirmation",
    220: "Payment verified, order ready to process",
    221: "Waiting for partner approval",
    400: "Seller accept order",
    450: "Waiting for pickup",
    500: "Order shipment",
    501: "Status changed to waiting resi have no input",
    520: "Invalid shipment reference number (AWB)",
    530: "Requested by user to correct invalid entry of shipment reference number",
    540: "Delivered to Pickup Point",
    550: "Return to Seller",
    600: "Order delivered",
    601: "Buyer open a case to finish an order",
    690: "Fraud Review",
    691: "Suspected Fraud",
    695: "Post Fraud Review",
    698: "Finish Fraud Review",
    699: "Order invalid or shipping more than 25 days and payment more than 5 days",
    700: "Order finished",
    701: "Order assumed as finished but the product not arrived yet to the buyer",
}

_STATE_GROUPS: tuple[tuple[OrderState, frozenset[int]], ...] = (
    (OrderState.AWAITING_ACCEPTANCE, frozenset({220})),
    (OrderState.CANCELLED, frozenset({0, 2, 3, 4, 5, 6, 10, 15, 690, 691, 695, 698, 699})),
    (OrderState.UNPAID, frozenset({11, 100, 103, 200})),
    # 221 waits for a partner, not for the shop: nothing for staff to accept.
    (OrderState.ACCEPTED, frozenset({221, 400, 450})),
    (OrderState.SHIPPING, frozenset({500, 501, 520, 530, 540})),
    (OrderState.RETURNED, frozenset({550})),
    (OrderState.DELIVERED, frozenset({600, 601})),
    (OrderState.COMPLETED, frozenset({700, 701})),
)
_STATE_BY_CODE = {code: state for state, codes in _STATE_GROUPS for code in codes}


def order_status(code: int) -> OrderStatus:
    """Map a Tokopedia ``order_status`` to the neutral status; unknown codes are OTHER."""
    return OrderStatus(
        code=str(code),
        state=_STATE_BY_CODE.get(code, OrderState.OTHER),
        label=STATUS_LABELS.get(code, ""),
    )


# --- NACK rules (§8.4) --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonRule:
    code: int
    meaning: str
    max_length: int = 512
    needs_close_details: bool = False


REJECT_REASONS: tuple[ReasonRule, ...] = (
    ReasonRule(0, "Reject in the shipping case"),
    ReasonRule(1, "Product(s) out of stock"),
    ReasonRule(2, "Product variant unavailable"),
    ReasonRule(3, "Wrong price or weight"),
    ReasonRule(4, "Shop closed", needs_close_details=True),
    ReasonRule(5, "Others"),
    ReasonRule(7, "Courier problem", max_length=490),
    ReasonRule(8, "Buyer's request", max_length=490),
)
_RULES = {rule.code: rule for rule in REJECT_REASONS}
_CLOSE_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_reason_code(code: int | str) -> int:
    """Read a reason code as Tokopedia's int ("" means 0); raise for codes it doesn't know."""
    text = str(code).strip()
    number = 0 if text == "" else int(text) if text.isdigit() else None
    if isinstance(code, bool):
        number = None  # True == 1 in Python; a boolean is a bug, not "out of stock"
    if number not in _RULES:
        known = ", ".join(str(rule.code) for rule in REJECT_REASONS)
        raise RejectionInvalid("", f"unknown reject reason code {code!r}; use one of {known}")
    return number


def validate_rejection(
    code: int | str,
    reason: str,
    close_end_date: str = "",
    close_note: str = "",
    *,
    today: date,
) -> int:
    """Check a NACK against Tokopedia's rules and return the reason code as an int.

    Raises ``RejectionInvalid`` listing every problem; its ``code`` is the error Tokopedia
    would answer with for the first one (ORD_USC_009/012/013) or "" for a local-only rule.
    ``today`` is the shop's date (Jakarta), for the "not in the past" check.
    """
    number = parse_reason_code(code)
    rule = _RULES[number]
    problems: list[tuple[str, str]] = []
    if not reason.strip():
        problems.append(("ORD_USC_009", "a reason is required"))
    elif len(reason) > rule.max_length:
        problems.append(
            ("", f"reason is {len(reason)} characters; code {number} allows {rule.max_length}")
        )
    if rule.needs_close_details:
        problems.extend(_close_problems(close_end_date, close_note, today))
    if problems:
        raise RejectionInvalid(problems[0][0], "; ".join(message for _, message in problems))
    return number


def _close_problems(close_end_date: str, close_note: str, today: date) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    text = close_end_date.strip()
    match = _CLOSE_DATE.match(text)
    if not text:
        problems.append(("ORD_USC_012", "code 4 (shop closed) needs a close end date"))
    elif match is None:
        problems.append(("ORD_USC_013", f"close end date {text!r} is not DD/MM/YYYY"))
    else:
        day, month, year = (int(part) for part in match.groups())
        try:
            end = date(year, month, day)
        except ValueError:
            problems.append(("ORD_USC_013", f"close end date {text} is not a real date"))
        else:
            if end < today:
                problems.append(
                    (
                        "ORD_USC_013",
                        f"close end date {text} is in the past (today is {today:%d/%m/%Y})",
                    )
                )
    if not close_note.strip():
        problems.append(("ORD_USC_012", "code 4 (shop closed) needs a close note"))
    return problems
