"""`GET /api/v1/site/nodes` and `/readyz` on the one-process site (memory backend): the one
node, for system administrators only; nobody else learns the site's layout."""

from __future__ import annotations

from tests.fixtures_identity import World


def test_a_system_administrator_sees_the_one_node(sqlite_world: World) -> None:
    admin = sqlite_world.client_as("system_admin", "cc")
    r = admin.get("/api/v1/site/nodes")
    assert r.status_code == 200, r.text
    body = r.json()
    (node,) = body["nodes"]
    assert body["site"] == sqlite_world.server.settings.site.name and body["degraded"] is False
    assert node["name"] == body["answered_by"] and node["alive"] is True
    assert node["url"].startswith("http://127.0.0.1:")
    assert node["heartbeat"] >= node["started"] > 0


def test_anyone_else_is_refused(sqlite_world: World) -> None:
    for role, agency in (("agency_admin", "muni"), ("governor", "gov"), ("operator", "cc")):
        r = sqlite_world.client_as(role, agency).get("/api/v1/site/nodes")
        assert r.status_code == 403, (role, r.text)
    assert sqlite_world.anonymous().get("/api/v1/site/nodes").status_code == 401


def test_readyz_says_whether_the_site_is_degraded(sqlite_world: World) -> None:
    r = sqlite_world.anonymous().get("/readyz")
    assert r.status_code == 200
    assert r.json()["degraded"] is False and r.json()["checks"]["site"] == "ok"
