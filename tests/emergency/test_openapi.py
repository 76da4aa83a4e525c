"""The emergency contract appears in the OpenAPI description with its models."""

from __future__ import annotations

from vms.app import create_app
from vms.config import Settings


def test_emergency_routes_and_models_are_described(settings: Settings) -> None:
    spec = create_app(settings).openapi()
    paths = spec["paths"]
    assert set(paths["/api/v1/emergency"]) == {"get", "post", "delete"}
    assert "post" in paths["/api/v1/emergency/confirm"]
    assert "post" in paths["/api/v1/emergency/extend"]
    assert "get" in paths["/api/v1/emergency/history"]
    report = paths["/api/v1/emergency/{emergency_id}/report"]["get"]
    assert {"application/json", "text/csv"} <= set(report["responses"]["200"]["content"])
    post = paths["/api/v1/emergency"]["post"]
    assert "201" in post["responses"]
    body = spec["components"]["schemas"]["EmergencyIn"]
    assert set(body["required"]) >= {"type", "reason", "duration_s", "scope"}
    types = spec["components"]["schemas"]["EmergencyIn"]["properties"]["type"]
    assert set(types["enum"]) == {"natural_disaster", "terrorism", "other"}
    out = spec["components"]["schemas"]["EmergencyOut"]["properties"]
    for name in ("id", "type", "scope", "reason", "declared_by", "confirmed_by", "starts_at",
                 "ends_at", "state"):  # fmt: skip
        assert name in out
