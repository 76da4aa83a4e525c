"""Maps domain errors to HTTP once, for every route. Bad input is a 4xx that says what was
wrong; never a 500, and never an echo of what was sent (it may hold a password)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from vms.errors import VmsError
from vms.inputs import MAX_INT

log = logging.getLogger(__name__)


def error_body(code: str, message: str, details: object | None = None) -> dict[str, object]:
    body: dict[str, object] = {"error": code, "detail": message}
    if details is not None:
        body["details"] = details
    return body


# Words of Python's, not the caller's: a message holding one is replaced, never shown.
_INTERNALS = re.compile(r"Assertion|Error\b|NoneType|object has no attribute|Traceback|File \"")


def _problem(err: Mapping[str, Any]) -> str:
    """A validation message fit for the caller: pydantic's "Value error, " prefix dropped, and
    no exception names or interpreter text (an `assert` or a slip in a validator)."""
    msg = str(err.get("msg") or "invalid value")
    if err.get("type") == "assertion_error":
        return "invalid value"
    msg = msg.removeprefix("Value error, ")
    return "invalid value" if _INTERNALS.search(msg) else msg


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(VmsError)
    async def _domain(_request: Request, exc: VmsError) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append({"field": loc, "problem": _problem(err)})
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems) or "invalid request"
        return JSONResponse(error_body("invalid_input", summary, problems), 422)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, _exc: Exception) -> JSONResponse:
        """A number or date the database cannot hold (an id of 2**63, say): an id in the path
        names nothing (404); anything else is bad input (422). Never a 500."""
        for name, value in request.path_params.items():
            if str(value).isdigit() and int(value) > MAX_INT:
                return JSONResponse(error_body("not_found", f"no such object: {name}"), 404)
        body = error_body("invalid_input", "a number or date in the request is out of range")
        return JSONResponse(body, 422)

    @app.exception_handler(PoolTimeout)
    async def _pool(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        log.warning("no database connection free within the pool timeout; answered 503")
        body = error_body("unavailable", "the server is too busy; try again shortly")
        return JSONResponse(body, 503, headers={"Retry-After": "2"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not parse the body (not UTF-8, say)
            message = "the request body could not be read: send UTF-8 JSON (or the form declared)"
            return JSONResponse(error_body("invalid_input", message), 422)
        names = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = names.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)
