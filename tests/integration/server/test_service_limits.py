"""What an anonymous caller can cost the service: the request log it grows, the bodies it sends."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from labelpact.store import Store

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


def _early_answer(url: str, head: str, first_part: bytes, wait_s: float = 10.0) -> bytes:
    """Send ``head`` (which declares a 300 MiB body) and the body's first part only; the status line the
    server answers with before the rest arrives (b"" when it waits for the body instead)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait_s) as sock:
        sock.sendall(head.encode("latin-1") + first_part)
        try:
            return sock.recv(4096).split(b"\r\n", 1)[0]
        except TimeoutError:
            return b""


BIG = 300 << 20
MULTIPART_START = (
    b'--b\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n\r\n' + b"x" * 65_536
)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer lp_0000_guess", "Bearer lp_0123456789abcdef_guess", "Basic x"]
)
def test_an_upload_without_a_valid_key_is_refused_before_its_body_is_read(
    live: Live, authorization: str | None
) -> None:
    """Before, the whole body (spooled to /tmp) was read, then the key checked: anyone reaching the port
    could make the server write hundreds of MiB."""
    head = (
        "POST /api/v1/batches HTTP/1.1\r\nHost: x\r\nX-Request-ID: early-401\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {BIG}\r\n"
        + ("" if authorization is None else f"Authorization: {authorization}\r\n")
        + "\r\n"
    )
    assert _early_answer(live.url, head, MULTIPART_START) == b"HTTP/1.1 401 Unauthorized"
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log").json()
    (line,) = [entry for entry in log if entry["request_id"] == "early-401"]
    assert (line["actor"], line["action"], line["outcome"], line["status"]) == (
        "anonymous",
        "POST /api/v1/batches",
        "denied",
        401,
    )


def test_a_revoked_key_is_refused_before_the_body_and_named_in_the_log(live: Live) -> None:
    with Store.open(live.seeded.settings) as store:
        store.revoke_user("other-bot")
    head = (
        f"POST /api/v1/findings/{live.seeded.finding['Other']}/disputes HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {live.seeded.keys['other']}\r\nX-Request-ID: early-revoked\r\n"
        f"Content-Type: application/json\r\nContent-Length: {BIG}\r\n\r\n"
    )
    assert _early_answer(live.url, head, b'{"text": "' + b"x" * 65_536) == b"HTTP/1.1 401 Unauthorized"
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log").json()
    (line,) = [entry for entry in log if entry["request_id"] == "early-revoked"]
    assert (line["actor"], line["outcome"]) == ("user:other-bot", "denied")
    assert "revoked" in line["detail"]["error"]


def test_a_body_that_is_not_an_upload_is_capped_well_below_the_upload_limit(live: Live) -> None:
    """A JSON body was read in memory up to the upload limit (2 GiB): 300 MiB took 0.9 GB of memory."""
    head = (
        "POST /api/v1/events HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {live.seeded.keys['client']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {BIG}\r\n\r\n"
    )
    assert _early_answer(live.url, head, b"{") == b"HTTP/1.1 413 Request Entity Too Large"
    with live.client("client") as client:  # a key-holder's ordinary requests are as before
        listed = client.get("/api/v1/events")
        dispute = client.post(
            f"/api/v1/findings/{live.seeded.finding['Acme']}/disputes", json={"text": "w0 is careful"}
        )
    assert listed.status_code == 200 and dispute.status_code == 201, dispute.text
