"""Domain errors. Raised anywhere in the control plane; mapped to HTTP status once, in
vms/api/errors.py. Each message is written for the person who sent the request."""

from __future__ import annotations


class VmsError(Exception):
    """Base of every error the server explains to its caller."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: object | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers  # extra response headers, e.g. Retry-After on a 503/429


class ConfigError(VmsError):
    """The configuration file or environment has a bad value; start-up stops."""

    code = "config_error"


class InvalidInput(VmsError):
    """The request carried a value we cannot use (bad URL, malformed SDP, bad spreadsheet)."""

    status_code = 422
    code = "invalid_input"


class NotFound(VmsError):
    """No such object, or the caller may not know it exists (same answer on purpose)."""

    status_code = 404
    code = "not_found"


class Conflict(VmsError):
    """The request clashes with what exists (duplicate camera code, retired camera)."""

    status_code = 409
    code = "conflict"


class NotAuthenticated(VmsError):
    """No valid session or token."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(VmsError):
    """Signed in, but not allowed to do this."""

    status_code = 403
    code = "forbidden"


class TooManyRequests(VmsError):
    """A per-user or per-address cap was reached."""

    status_code = 429
    code = "too_many_requests"


class Unavailable(VmsError):
    """The server cannot serve this now (camera offline, over capacity)."""

    status_code = 503
    code = "unavailable"


class PayloadTooLarge(VmsError):
    """The request body is larger than we accept."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(VmsError):
    """The body is not of the content type this endpoint takes."""

    status_code = 415
    code = "unsupported_media_type"


class PreconditionFailed(VmsError):
    """A conditional request (If-Match) names another version of the resource."""

    status_code = 412
    code = "precondition_failed"


class Gone(VmsError):
    """The object existed for the caller but no longer does (an export past its expiry)."""

    status_code = 410
    code = "gone"
