"""The wall's page and assets over the real server: security headers, no inline script, only the
asset folders served, and the Thai and English texts covering the same keys."""

from __future__ import annotations

import json
import re

from tests.fixtures_server import LiveServer


def test_page_has_a_strict_csp_and_no_inline_script(live_server: LiveServer) -> None:
    with live_server.client() as client:
        page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, flags=re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son\w+\s*=", page.text), "inline event handler in the page"
    assert not re.search(r"\sstyle\s*=", page.text), "inline style in the page"


def test_assets_are_served_with_the_same_headers(live_server: LiveServer) -> None:
    with live_server.client() as client:
        js = client.get("/ui/js/wall.js")
        css = client.get("/ui/css/wall.css")
        missing = client.get("/ui/js/nope.js")
        python = client.get("/ui/__init__.py")
        escape = client.get("/ui/js/..%2f..%2fvms%2fconfig.py")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert js.headers["content-security-policy"] == css.headers["content-security-policy"]
    assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"
    assert missing.status_code == 404 and python.status_code == 404 and escape.status_code == 404


def test_thai_and_english_texts_have_the_same_keys(live_server: LiveServer) -> None:
    with live_server.client() as client:
        th = client.get("/ui/i18n/th.json").json()
        en = client.get("/ui/i18n/en.json").json()
        config = client.get("/api/v1/webui/config").json()
    assert set(th) == set(en) and len(en) > 40
    assert th["state.live"] != en["state.live"]
    assert json.dumps(config) == json.dumps({"site_name": live_server.settings.site_name})
