"""The data-request contract appears in the OpenAPI description with its codes and models."""

from __future__ import annotations

from vms.app import create_app
from vms.config import Settings


def test_data_request_routes_are_described(settings: Settings) -> None:
    spec = create_app(settings).openapi()
    paths = spec["paths"]
    base = "/api/v1/data-requests"
    assert set(paths[base]) == {"get", "post"}
    assert {"201", "403", "404", "422"} <= set(paths[base]["post"]["responses"])
    assert "404" in paths[base + "/{request_id}"]["get"]["responses"]
    for verb in ("approve", "reject", "release"):
        assert {"200", "403", "404", "409"} <= set(
            paths[f"{base}/{{request_id}}/{verb}"]["post"]["responses"]
        )
    export = paths[base + "/{request_id}/export"]["get"]["responses"]
    assert {"200", "404", "409", "410", "503"} <= set(export)
    assert "application/zip" in export["200"]["content"]
    assert "get" in paths["/api/v1/evidence/public-key"]
    body = spec["components"]["schemas"]["DataRequestIn"]
    assert set(body["required"]) == {"cameras", "start", "end", "case_number", "legal_basis",
                                     "reason"}  # fmt: skip
    assert set(body["properties"]["stream"]["enum"]) == {"main", "sub"}
    out = spec["components"]["schemas"]["DataRequestOut"]["properties"]
    for name in ("state", "approvals", "approvals_needed", "export", "emergency_id", "locks",
                 "can_release"):  # fmt: skip
        assert name in out
    assert spec["components"]["schemas"]["RejectIn"]["required"] == ["reason"]
    assert spec["components"]["schemas"]["ReleaseIn"]["required"] == ["reason"]
