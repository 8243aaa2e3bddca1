"""Who dates a delivery: a partner's upload is dated by the server's clock; the client may date history.

The lab's on-time rate, SLA signal, control charts and forecast rest on ``delivered_at`` and ``due_at``.
Before, a partner key could set both: a batch dated 2099 stayed out of its health until 2099, and a late
batch was declared on time by giving it a far due date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import Live


@pytest.mark.parametrize(
    "times",
    [
        {"delivered_at": "2099-01-01"},
        {"due_at": "2099-01-01"},
        {"delivered_at": "2019-01-01", "due_at": "2099-01-01"},
    ],
    ids=["future-delivery", "far-due-date", "late-made-on-time"],
)
@pytest.mark.parametrize("run_async", [False, True], ids=["in-request", "as-job"])
def test_a_partner_key_cannot_date_its_delivery(live: Live, times: dict[str, str], run_async: bool) -> None:
    with live.client("client") as client:
        before = client.get("/api/v1/batches").json()
    with live.client("acme") as acme:
        response = acme.post(
            "/api/v1/batches",
            params={"async": "true"} if run_async else {},
            files={"file": ("d.csv", live.seeded.fresh_bytes())},
            data={"project": "p"} | times,
        )
    assert response.status_code == 403, response.text  # at once, not a job that fails later
    error = response.json()["error"]
    assert error["type"] == "forbidden" and "dated by the server's clock" in error["message"]
    assert all(name in error["message"] for name in times)
    with live.client("client") as client:
        assert client.get("/api/v1/batches").json() == before
    assert not list((live.seeded.settings.workspace / "uploads").glob("*"))  # nothing was staged


def test_a_partner_delivery_is_dated_when_it_arrives(live: Live) -> None:
    with live.client("acme") as acme:
        made = acme.post(
            "/api/v1/batches",
            files={"file": ("d.csv", live.seeded.fresh_bytes())},
            data={"project": "p", "delivered_at": " ", "due_at": ""},  # blank fields are no dates
        )
        assert made.status_code == 201, made.text
        batch = acme.get(f"/api/v1/batches/{made.json()['batch']}").json()
    delivered = datetime.fromisoformat(batch["delivered_at"])
    assert abs(delivered - datetime.fromisoformat(batch["received_at"]).replace(tzinfo=UTC)) < timedelta(
        seconds=5
    )
    assert batch["due_at"] is None


def test_the_client_dates_history_but_not_the_future(live: Live) -> None:
    with live.client("client") as client:
        history = client.post(
            "/api/v1/batches",
            files={"file": ("d.csv", live.seeded.fresh_bytes())},
            data={"project": "p", "partner": "Acme", "delivered_at": "2019-01-01", "due_at": "2018-12-30"},
        )
        future = client.post(
            "/api/v1/batches",
            files={"file": ("d.csv", live.seeded.fresh_bytes())},
            data={"project": "p", "partner": "Acme", "delivered_at": "2099-01-01"},
        )
    assert history.status_code == 201, history.text
    assert history.json()["delivered_at"].startswith("2019-01-01")
    assert future.status_code == 422 and future.json()["error"]["field"] == "delivered_at"
    assert "no later than now" in future.json()["error"]["message"]
