"""The published description (`/api/v1/openapi.json`) with every error a route can answer.

FastAPI documents only the success and its own validation body. The errors come from places
it does not see: the sign-in dependency (401), permissions and CSRF (403), objects in the path
that do not exist or may not be known (404), the body limit (413), our validation handler (422,
our body, not FastAPI's), throttling (429) and a full pool (503). They are added here once, by
what each route is made of, all with the one error body of vms/api/errors.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from vms.api.deps import brief_principal, current_principal, metrics_reader

ERROR_BODY = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "A stable code: invalid_input, not_found, ..."},
        "detail": {"type": "string", "description": "What was wrong, for a person."},
        "details": {"description": "Per field problems ({field, problem}) or other facts."},
    },
}
_REF = {"$ref": "#/components/schemas/ErrorBody"}
DESCRIPTIONS = {
    "401": "Not signed in, or the session or token has ended",
    "403": "Signed in but not allowed, or a cross-site request without the CSRF proof",
    "404": "No such object, or one the caller may not know exists",
    "409": "Clashes with what exists (a duplicate code or name, a retired object)",
    "413": "The body is larger than the server accepts",
    "424": "The camera did not do it: unreachable, refused the credentials, or a fault",
    "415": "The body is not of the declared media type",
    "422": "Bad input: `details` names each field and what is wrong with it",
    "429": "Too many attempts or sign-ins waiting; Retry-After says when to try again",
    "503": "Too busy or not ready; Retry-After says when to try again",
}
_BODY_METHODS = {"post", "put", "patch"}
# the dependencies that resolve the caller (a route with one answers 401 and 403)
GUARDS: tuple[Callable[..., Any], ...] = (current_principal, brief_principal, metrics_reader)
_CONFLICT_METHODS = {"post", "put", "patch", "delete"}


def _depends_on(dep: Dependant, calls: tuple[Callable[..., Any], ...]) -> bool:
    return dep.call in calls or any(_depends_on(d, calls) for d in dep.dependencies)


def error_codes(route: APIRoute, path: str, method: str) -> set[str]:
    """The error statuses `route` can answer for `method`, from what it is made of."""
    codes = {"422", "503"}
    if _depends_on(route.dependant, GUARDS):
        codes |= {"401", "403", "404"}  # 404: any object it names (path, query or body)
    if "{" in path:
        codes.add("404")
    if "/ptz" in path:
        codes.add("424")  # the camera's PTZ service failed, refused us or is out of reach
    if method in _BODY_METHODS:
        codes |= {"403", "413"}  # a cookie request (sign-in too) must prove it is same-site
    if method in _CONFLICT_METHODS and not path.startswith("/api/v1/auth/"):
        codes.add("409")  # a change can clash with what exists (codes, names, states)
    return codes


def describe_errors(schema: dict[str, Any], app: FastAPI) -> None:
    """Add every route's error responses to `schema` (in place), all as ErrorBody."""
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
    for ctx in iter_route_contexts(app.routes):
        route = ctx.route
        if not isinstance(route, APIRoute) or not route.include_in_schema or not ctx.path:
            continue
        for method in ctx.methods or ():
            op = schema["paths"].get(ctx.path, {}).get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            codes = error_codes(route, ctx.path, method.lower())
            body_types = set(op.get("requestBody", {}).get("content", {}))
            if body_types and "application/json" not in body_types:
                codes.add("415")  # a body of another type than the one declared
            for code in sorted(codes | _declared_errors(responses)):
                entry = responses.setdefault(code, {"description": DESCRIPTIONS.get(code, "Error")})
                entry["content"] = {"application/json": {"schema": _REF}}
    components = schema["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def _declared_errors(responses: dict[str, Any]) -> set[str]:
    return {code for code in responses if code[:1] in ("4", "5")}


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` return the description with the errors added (built once)."""
    plain = app.openapi
    described: list[dict[str, Any]] = []  # the schema once errors were added to it

    def openapi() -> dict[str, Any]:
        if not described:
            schema = plain()
            describe_errors(schema, app)
            described.append(schema)
        return described[0]

    app.openapi = openapi  # type: ignore[method-assign]
