"""The published description: the docs page works without internet under a strict CSP, and
422 messages never show Python's internals."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator

from vms.inputs import InputModel


def test_docs_page_is_served_from_this_server_with_a_csp(api_client: TestClient) -> None:
    r = api_client.get("/api/v1/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    page = r.text
    assert "<script>" not in page  # no inline script: the CSP would refuse it
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert refs and all(ref.startswith("/api/v1/docs/assets/") for ref in refs), refs
    for ref in refs:
        asset = api_client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.content) > 0
    bundle = api_client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in bundle.text
    init = api_client.get("/api/v1/docs/assets/own/init.js").text
    assert "/api/v1/openapi.json" in init


class _Probe(InputModel):
    value: int
    label: str

    @field_validator("value")
    @classmethod
    def _positive(cls, v: int) -> int:
        assert v > 0, "internal detail"
        return v

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        if v == "none":
            raise ValueError("'NoneType' object has no attribute 'role'")
        if v == "bad":
            raise ValueError("label must not be 'bad'")
        return v


def test_422_messages_show_no_internals(api_client: TestClient) -> None:
    """The one validation handler rewrites assertion and interpreter text for every route."""
    app = api_client.app

    @app.post("/api/v1/_probe")  # type: ignore[attr-defined,untyped-decorator]
    def probe(body: _Probe) -> dict[str, str]:
        return {"ok": "yes"}

    r = api_client.post("/api/v1/_probe", json={"value": -1, "label": "none"})
    assert r.status_code == 422
    assert "Assertion" not in r.text and "NoneType" not in r.text and "attribute" not in r.text
    assert "internal detail" not in r.text
    fields = {p["field"]: p["problem"] for p in r.json()["details"]}
    assert fields == {"value": "invalid value", "label": "invalid value"}
    r = api_client.post("/api/v1/_probe", json={"value": 1, "label": "bad"})
    assert r.json()["details"] == [{"field": "label", "problem": "label must not be 'bad'"}]


def test_plain_models_are_not_bodies() -> None:
    """Every request body model derives from InputModel (the control-character check)."""
    from vms.api.routes import auth, coverage, grants, layouts, users
    from vms.registry import schemas

    bodies = [
        auth.SignIn, auth.NewApiToken, coverage.RequirementIn, grants.GrantIn, layouts.LayoutIn,
        layouts.TileIn, layouts.TourIn, users.UserIn, users.UserPatch, schemas.AgencyCreate,
        schemas.AgencyUpdate, schemas.CameraCreate, schemas.CameraUpdate,
    ]  # fmt: skip
    assert all(issubclass(b, InputModel) and issubclass(b, BaseModel) for b in bodies)
