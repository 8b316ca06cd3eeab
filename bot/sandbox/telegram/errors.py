"""The one exception the fake raises to answer a Bot API call with an error."""

from typing import Any


class ApiError(Exception):
    """A Bot API error: HTTP status ``code`` and Telegram's ``description``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """Return the error body Telegram sends, ``{"ok": false, ...}``."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """Return a 400 whose description is ``Bad Request: <reason>``."""
    return ApiError(400, f"Bad Request: {reason}")


def retry_after(seconds: int) -> ApiError:
    """Return the 429 flood-control error with ``parameters.retry_after``."""
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
THREAD_NOT_FOUND = "message thread not found"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
