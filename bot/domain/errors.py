"""The marketplace error family as the core sees it: ``MarketplaceError`` with an ``ErrorKind``.

Each adapter raises these (or subclasses of them); the core picks staff-facing texts by kind.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a marketplace call failed, in the categories staff need to understand."""

    NOT_ELIGIBLE = "not_eligible"
    PERMISSION = "permission"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    AUTH = "auth"
    OUTCOME_UNKNOWN = "outcome_unknown"  # the request may have arrived; do not resend blindly
    OTHER = "other"


class MarketplaceError(Exception):
    """A failed marketplace call, as the core sees it.

    ``code`` is the marketplace's own error code (e.g. ``ORD_USC_001``) and ``detail`` its
    message; both are for logs and the audit trail. ``kind`` picks the staff-facing text.
    """

    def __init__(self, kind: ErrorKind, code: str = "", detail: str = "") -> None:
        super().__init__(f"{kind.value}: {code} {detail}".strip())
        self.kind = kind
        self.code = code
        self.detail = detail
