"""What an anonymous caller can cost the service: the request log it grows, the bodies it sends."""

from __future__ import annotations

import json

import httpx

from .conftest import Live


def test_a_refused_request_with_a_long_path_adds_a_bounded_line_to_the_request_log(live: Live) -> None:
    """Every 401 is logged in an append-only table; before, its detail kept the whole path (12 KB a request)."""
    path = "/api/v1/partners/" + "x" * 12_000
    with httpx.Client(base_url=live.url) as anonymous:
        refused = anonymous.get(path, headers={"X-Request-ID": "long-path"})
    assert refused.status_code == 401
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log").json()
    (line,) = [entry for entry in log if entry["request_id"] == "long-path"]
    assert line["outcome"] == "denied" and line["detail"]["method"] == "GET"
    assert line["detail"]["path"].startswith("/api/v1/partners/xxx") and line["detail"]["path"].endswith("…")
    assert len(line["detail"]["path"]) <= 500 and len(line["object"]) <= 300
    assert len(json.dumps(line["detail"])) <= 2000
