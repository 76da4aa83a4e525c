"""Turns what onvif-zeep-async, zeep and aiohttp raise into the driver's domain errors.

Messages name the operation and the camera's address (never its credentials) and keep the
camera's own fault text, which cameras fill with reasons, not secrets.
"""

from __future__ import annotations

import asyncio

import aiohttp
import zeep.exceptions
from onvif.exceptions import ONVIFAuthError, ONVIFError, ONVIFTimeoutError

from vms.errors import VmsError
from vms.ptz.driver import CameraAuthFailed, CameraFault, CameraUnreachable

_AUTH_CODES = ("NotAuthorized", "FailedAuthentication", "InvalidSecurity", "Unauthorized")


def is_auth_fault(fault: zeep.exceptions.Fault) -> bool:
    """Whether a SOAP fault says the credentials (or the token's clock) were refused."""
    parts = [str(fault.code or ""), str(fault.message or "")]
    parts += [str(getattr(sub, "text", sub)) for sub in (fault.subcodes or [])]
    return any(code.lower() in part.lower() for part in parts for code in _AUTH_CODES)


def translate(exc: BaseException, operation: str, where: str, timeout_s: float) -> VmsError:
    """The domain error for `exc`, raised while the driver ran `operation` against `where`."""
    if isinstance(exc, VmsError):
        return exc
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | ONVIFTimeoutError):
        return CameraUnreachable(
            f"the camera's ONVIF service at {where} did not answer {operation} "
            f"within {timeout_s:g} s"
        )
    if isinstance(exc, zeep.exceptions.Fault):
        if is_auth_fault(exc):
            return CameraAuthFailed(
                f"the camera at {where} refused the stored credentials for {operation} "
                "(wrong user or password, or a clock it rejects)"
            )
        return CameraFault(f"the camera at {where} refused {operation}: {exc.message}")
    if isinstance(exc, zeep.exceptions.TransportError):
        if exc.status_code == 401:
            return CameraAuthFailed(
                f"the camera at {where} refused the stored credentials for {operation} (HTTP 401)"
            )
        return CameraFault(
            f"the camera at {where} answered {operation} with HTTP {exc.status_code}"
        )
    if isinstance(exc, ONVIFAuthError):
        return CameraAuthFailed(f"the camera at {where} refused the stored credentials")
    if isinstance(exc, aiohttp.ClientConnectionError | OSError):
        return CameraUnreachable(f"cannot reach the camera's ONVIF service at {where}")
    if isinstance(exc, aiohttp.ClientError | ONVIFError | zeep.exceptions.Error):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, aiohttp.ClientConnectionError | OSError | TimeoutError):
            return CameraUnreachable(f"cannot reach the camera's ONVIF service at {where}")
        return CameraFault(f"the camera at {where} gave an answer to {operation} that is not ONVIF")
    return CameraFault(f"the camera at {where} failed {operation} ({type(exc).__name__})")
