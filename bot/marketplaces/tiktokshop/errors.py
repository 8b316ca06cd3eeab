"""Errors raised by the TikTok Shop client.

Every failure is a ``TikTokShopError`` carrying the platform's numeric ``code`` (0 when there
is none), its ``message``, the HTTP ``status`` (0 when no response arrived) and the
``request_id`` support asks for. ``kind`` is the neutral ``ErrorKind`` handed to the core,
taken from each class's namesake in ``bot.domain.errors``; ``detail`` is a staff-readable
sentence (Indonesian, never the word "TikTok").

    TikTokShopError              anything else                              OTHER
    ├── AuthError                105001, 105xxx, 106001 invalid sign,       AUTH
    │   │                        36009004 credential/timestamp, 36004004
    │   │                        invalid auth code, HTTP 401
    │   └── TokenExpired         105002: refresh once, then resend once     AUTH
    ├── PermissionDenied         105005 missing scope, 101000 token and     PERMISSION
    │                            shop do not match, 36009033 IP allow list,
    │                            25020005 no permission, HTTP 403
    ├── NotFound                 HTTP 404, an id the API did not return     NOT_FOUND
    ├── NotEligible              45109001 may not message this buyer,       NOT_ELIGIBLE
    │                            45109003 may not open a chat, 25001003
    │                            order status, 25011011/25011012 status no
    │                            longer allows approve/reject, 25020009
    │                            already cancelled, 25020010 already
    │                            approved, 25001045 already shipped
    ├── InvalidRequest           25001021 cancel reason not valid for the   INVALID
    │   │                        status, 45101006 sensitive words, 106013
    │   │                        missing shop_cipher, 36009014 API version,
    │   │                        other HTTP 4xx
    │   └── RejectionInvalid     refused locally before any call
    ├── RateLimited              HTTP 429, 36009002                         RATE_LIMITED
    │   └── QuotaExceeded        45101004 Customer Service daily quota,     RATE_LIMITED
    │                            or tokobot's own reserve (never retried)
    ├── ServerError              HTTP 5xx (503 = platform protection),      UNAVAILABLE
    │                            36009003 internal error, 36009007
    │                            timeout, connection failures
    └── OutcomeUnknown           Send Message may have been delivered       OUTCOME_UNKNOWN

The exact code wins over the 105xxx group, which wins over the HTTP status. Exception texts
never contain a URL: token requests carry the app secret in their query string.
"""

from __future__ import annotations

import re

from bot.domain import errors as shared


def brand_safe(text: str) -> str:
    """Staff in Indonesia see "Tokopedia & Shop", never "TikTok" (doc §1)."""
    return re.sub(r"tik\s*tok(\s*shop)?", "Tokopedia & Shop", text, flags=re.IGNORECASE)


class TikTokShopError(shared.AdapterError):
    def __init__(
        self,
        code: int = 0,
        message: str = "",
        status: int = 0,
        request_id: str = "",
        *,
        detail: str = "",
    ) -> None:
        text = " ".join(part for part in (str(code) if code else "", message) if part)
        text = text or f"HTTP {status}"
        super().__init__(f"{text} (request_id {request_id})" if request_id else text)
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self._detail = detail

    @property
    def detail(self) -> str:
        """What staff should read: ours, a known explanation, else the platform's message."""
        return brand_safe(self._detail or _DETAILS.get(self.code) or self.message)

    def to_core(self) -> shared.MarketplaceError:
        return shared.MarketplaceError(self.kind, str(self.code) if self.code else "", self.detail)


class AuthError(shared.AuthError, TikTokShopError):
    """105xxx token problems, a refused signature or credential, HTTP 401."""


class TokenExpired(AuthError):
    """105002: the access token expired; one refresh and one resend are safe."""


class PermissionDenied(shared.PermissionDenied, TikTokShopError):
    """A missing scope, a token for another shop, the IP allow list, HTTP 403."""


class NotFound(shared.NotFound, TikTokShopError):
    """HTTP 404, or an id the API did not return."""


class NotEligible(shared.NotEligible, TikTokShopError):
    """The buyer or the order's status does not allow the action."""


class InvalidRequest(shared.InvalidRequest, TikTokShopError):
    """A request the platform refused as malformed, other HTTP 4xx."""


class RejectionInvalid(InvalidRequest):
    """A cancellation the platform would refuse; raised before any call."""


class RateLimited(shared.RateLimited, TikTokShopError):
    """HTTP 429 or 36009002."""


class QuotaExceeded(RateLimited):
    """The Customer Service daily quota is used up (or down to tokobot's reserve)."""


class ServerError(shared.ServerError, TikTokShopError):
    """HTTP 5xx, an internal error or timeout, or no response at all."""

    # False when the request never reached the platform (connection refused): nothing ran.
    reached = True


class OutcomeUnknown(shared.OutcomeUnknown, TikTokShopError):
    """The request may have been processed; resending could duplicate it (Send Message)."""


# Codes named in the reference (§4.3, §6, §8.2, §10.2, §10.3, §11). 105001 is the invalid
# access token of the 105xxx token group (EcomPHP), not listed in the reference's table.
_BY_CODE: dict[int, type[TikTokShopError]] = {
    105001: AuthError,
    105002: TokenExpired,
    106001: AuthError,
    36009004: AuthError,
    36004004: AuthError,
    105005: PermissionDenied,
    101000: PermissionDenied,
    36009033: PermissionDenied,
    25020005: PermissionDenied,
    45109001: NotEligible,
    45109003: NotEligible,
    25001003: NotEligible,
    25011011: NotEligible,
    25011012: NotEligible,
    25020009: NotEligible,
    25020010: NotEligible,
    25001045: NotEligible,
    25001021: InvalidRequest,
    45101006: InvalidRequest,
    106013: InvalidRequest,
    36009014: InvalidRequest,
    36009002: RateLimited,
    45101004: QuotaExceeded,
    36009003: ServerError,
    36009007: ServerError,
}

_DETAILS: dict[int, str] = {
    105001: "Token akses toko tidak berlaku; pemilik toko perlu mengotorisasi ulang tokobot.",
    105002: "Token akses toko kedaluwarsa.",
    106001: "Tanda tangan permintaan ditolak; periksa app key dan app secret.",
    36009004: "Kredensial atau jam server ditolak; periksa app key dan jam server.",
    36004004: "Kode otorisasi tidak berlaku (sekali pakai, 30 menit); ulangi otorisasi toko.",
    105005: "Izin aplikasi belum mencakup tindakan ini; pemilik toko perlu mengotorisasi ulang.",
    101000: "Token tidak cocok dengan toko ini; pemilik toko perlu mengotorisasi ulang.",
    36009033: "Alamat IP server tokobot tidak ada di daftar izin aplikasi.",
    25020005: "Toko tidak punya izin untuk tindakan ini.",
    45109001: (
        "Pembeli ini tidak bisa dihubungi sekarang: chat hanya boleh jika ada percakapan "
        "dalam 30 hari, pesanan dalam 60 hari, atau riwayat retur."
    ),
    45109003: (
        "Chat dengan pembeli ini tidak bisa dibuka: perlu percakapan dalam 30 hari, "
        "pesanan dalam 60 hari, atau riwayat retur."
    ),
    25001003: "Status pesanan tidak memungkinkan tindakan ini.",
    25011011: "Permintaan pembatalan sudah tidak bisa disetujui.",
    25011012: "Permintaan pembatalan sudah tidak bisa ditolak.",
    25020009: "Pesanan sudah dibatalkan.",
    25020010: "Permintaan pembatalan sudah disetujui.",
    25001045: "Pesanan sudah dikirim.",
    25001021: "Alasan pembatalan ini tidak berlaku untuk status pesanan saat ini.",
    45101006: (
        "Pesan ditolak karena mengandung kata yang tidak diizinkan Tokopedia & Shop. "
        "Ubah kalimatnya lalu kirim lagi."
    ),
    106013: "Permintaan tanpa shop_cipher; toko perlu diotorisasi ulang.",
    36009014: "Versi API tidak berlaku lagi; tokobot perlu diperbarui.",
    36009002: "Terlalu banyak permintaan; coba lagi sebentar lagi.",
    45101004: "Kuota harian layanan chat (10.000 permintaan) sudah habis; coba lagi besok.",
    36009003: "Gangguan internal di Tokopedia & Shop; coba lagi nanti.",
    36009007: "Tokopedia & Shop tidak menjawab tepat waktu; coba lagi nanti.",
}


def classify(code: int | None, status: int) -> type[TikTokShopError]:
    """Pick the error class for a response ``code`` and HTTP ``status``; the code wins."""
    if code:
        if code in _BY_CODE:
            return _BY_CODE[code]
        if 105000 <= code < 106000:
            return AuthError  # the token group (EcomPHP treats 105xxx as token problems)
    return _by_status(status)


# The members an HTTP status alone can stand for, when the code doesn't say.
_BY_STATUS: tuple[type[TikTokShopError], ...] = (
    AuthError,
    PermissionDenied,
    NotFound,
    RateLimited,
    ServerError,
    InvalidRequest,
)


def _by_status(status: int) -> type[TikTokShopError]:
    return shared.by_status(status, _BY_STATUS, TikTokShopError)
