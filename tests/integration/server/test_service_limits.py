"""What an anonymous caller can cost the service: the request log it grows, the bodies it sends."""

from __future__ import annotations

import json

import httpx
import pytest

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


@pytest.mark.parametrize(
    ("contract", "got"),
    [
        ("[labels]\nclasses = " + "[" * 600 + "]" * 600 + "\n", "got nesting too deep"),
        ("[quality]\nmin_agreement = " + "1" * 5000 + "\n", "got Exceeds the limit"),
    ],
    ids=["nested-600-deep", "integer-of-5000-digits"],
)
def test_a_contract_tomllib_cannot_read_is_a_422_with_the_clis_one_line(
    live: Live, contract: str, got: str
) -> None:
    """``tomllib`` raises RecursionError and ValueError for these: the CLI answered exit 2, the service 500."""
    with live.client("client") as client:
        response = client.post(
            "/api/v1/audits", json={"batch": live.seeded.batch["Acme"], "contract": contract}
        )
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("contract: expected ") and got in message and "\n" not in message
