"""The authorisation matrix: every route of /openapi.json x every role x own / another partner's object.

The table ``ROUTES`` says what each route is (public, for anyone with a key, for the client, for admins;
whether its path names a partner's object); the test fails when /openapi.json has a route the table
lacks, so a new route cannot escape the matrix. Expected: no key -> 401; a client-only route -> 403 for
a partner; another partner's object -> 404 (as if it did not exist); a partner's lists hold only its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from labelpact.services.review import review_sample
from labelpact.services.review_sheet import write_review_sheet
from labelpact.store import Store

from .conftest import Live, backend_settings, serving
from .seed import Seeded, seed

ROLES = (None, "admin", "client", "acme", "other")
OWNER = "Acme"  # every object in a path is Acme's: own for "acme", another partner's for "other"


@dataclass(frozen=True)
class Route:
    access: str  # "public" | "any" | "client" | "admin"
    ok: int = 200
    owned: bool = False  # the path names one of Acme's objects
    path: Callable[[Seeded, str | None], dict[str, str]] = lambda s, r: {}
    query: Callable[[Seeded, str | None], dict[str, str]] = lambda s, r: {}
    body: Callable[[Seeded, str | None], dict[str, Any]] | None = None
    upload: bool = False
    listed: Callable[[Seeded], set[str]] | None = None  # ids of Acme's objects that "other" must not see


def _upload(seeded: Seeded, role: str | None) -> dict[str, Any]:
    data = {"project": "sentiment"} | ({} if role in ("acme", "other") else {"partner": OWNER})
    return {"files": {"file": ("delivery.csv", seeded.fresh_bytes(), "text/csv")}, "data": data}


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v1/health"): Route("public"),
    ("GET", "/api/v1/me"): Route("any"),
    ("GET", "/api/v1/jobs/{job_id}"): Route("any", owned=True, path=lambda s, r: {"job_id": s.job}),  # type: ignore[attr-defined]
    ("GET", "/api/v1/log"): Route("admin"),
    ("GET", "/api/v1/partners"): Route("any", listed=lambda s: {OWNER}),
    ("GET", "/api/v1/partners/{name}"): Route("any", owned=True, path=lambda s, r: {"name": OWNER}),
    ("GET", "/api/v1/partners/{name}/health"): Route("any", owned=True, path=lambda s, r: {"name": OWNER}),
    ("GET", "/api/v1/partners/{name}/risk"): Route("client", path=lambda s, r: {"name": OWNER}),
    ("GET", "/api/v1/batches"): Route("any", listed=lambda s: {s.batch[OWNER]}),
    ("GET", "/api/v1/batches/{batch_id}"): Route(
        "any", owned=True, path=lambda s, r: {"batch_id": s.batch[OWNER]}
    ),
    ("POST", "/api/v1/batches"): Route("any", ok=201, upload=True, body=_upload),
    ("GET", "/api/v1/audits"): Route("any", listed=lambda s: {s.audit[OWNER]}),
    ("GET", "/api/v1/audits/{audit_id}"): Route(
        "any", owned=True, path=lambda s, r: {"audit_id": s.audit[OWNER]}
    ),
    ("GET", "/api/v1/audits/{audit_id}/findings"): Route(
        "any", owned=True, path=lambda s, r: {"audit_id": s.audit[OWNER]}
    ),
    ("POST", "/api/v1/audits"): Route("client", ok=202, body=lambda s, r: {"batch": s.batch[OWNER]}),
    ("POST", "/api/v1/findings/{finding_id}/disputes"): Route(
        "any",
        ok=201,
        owned=True,
        path=lambda s, r: {"finding_id": s.fresh_finding(OWNER)},
        body=lambda s, r: {"text": f"disputed by {r}"},
    ),
    ("GET", "/api/v1/disputes"): Route("any", listed=lambda s: {s.dispute[OWNER]}),
    ("GET", "/api/v1/disputes/{dispute_id}"): Route(
        "any", owned=True, path=lambda s, r: {"dispute_id": s.dispute[OWNER]}
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/comments"): Route(
        "any",
        ok=201,
        owned=True,
        path=lambda s, r: {"dispute_id": s.dispute[OWNER]},
        body=lambda s, r: {"text": f"comment by {r}"},
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/resolve"): Route(
        "client",
        path=lambda s, r: {"dispute_id": s.fresh_dispute(OWNER)},
        body=lambda s, r: {"status": "rejected", "note": "the finding stands"},
    ),
    ("GET", "/api/v1/events"): Route("client"),
    ("POST", "/api/v1/events"): Route(
        "client",
        ok=201,
        body=lambda s, r: {"partner": OWNER, "kind": "layoff", "date": "2026-11-01", "summary": f"by {r}"},
    ),
    ("GET", "/api/v1/allocation"): Route("client", query=lambda s, r: {"project": "sentiment"}),
}


def expected(route: Route, role: str | None) -> int:
    if route.access == "public":
        return 200
    if role is None:
        return 401
    if route.access == "admin" and role != "admin":
        return 403
    if route.access == "client" and role in ("acme", "other"):
        return 403
    if route.owned and role == "other":
        return 404
    return route.ok


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("matrix")
    with backend_settings("sqlite", root / "ws") as settings:
        seeded = seed(settings, root / "incoming")
        with serving(settings) as url:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {seeded.keys['acme']}"}) as c:
                response = c.post(
                    "/api/v1/batches?async=true",
                    files={"file": ("job.csv", seeded.fresh_bytes(), "text/csv")},
                    data={"project": "sentiment"},
                )
                assert response.status_code == 202, response.text
                seeded.job = response.json()["id"]  # type: ignore[attr-defined]
            yield Live(url=url, seeded=seeded)


def openapi_routes(live: Live) -> set[tuple[str, str]]:
    spec = httpx.get(f"{live.url}/openapi.json").json()
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item}


def test_every_route_of_the_openapi_document_is_in_the_matrix(live: Live) -> None:
    assert openapi_routes(live) == set(ROUTES)


def _call(
    client: httpx.Client, method: str, path: str, route: Route, seeded: Seeded, role: str | None
) -> httpx.Response:
    url = path.format(**route.path(seeded, role))
    params = route.query(seeded, role)
    if route.upload and route.body is not None:
        return client.request(method, url, params=params, **route.body(seeded, role))
    content = None if route.body is None else json.dumps(route.body(seeded, role))
    headers = {"Content-Type": "application/json"} if content is not None else {}
    return client.request(method, url, params=params, content=content, headers=headers)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_the_matrix(live: Live, role: str | None) -> None:
    """Every route answers each role as the rules say, with the JSON error document on refusals."""
    wrong = []
    with live.client(role) as client:
        for (method, path), route in sorted(ROUTES.items()):
            response = _call(client, method, path, route, live.seeded, role)
            want = expected(route, role)
            if response.status_code != want:
                wrong.append(
                    f"{method} {path}: {response.status_code} (expected {want}) {response.text[:200]}"
                )
                continue
            body = response.json()
            if want >= 400:
                assert set(body["error"]) == {"type", "message", "field"}
            if route.listed is not None and role == "other":
                leaked = route.listed(live.seeded) & {item["id"] for item in body}
                if leaked:
                    wrong.append(f"{method} {path}: lists Acme's {sorted(leaked)} to Other")
            if route.listed is not None and role in ("acme", "client"):
                assert route.listed(live.seeded) <= {item["id"] for item in body}, (method, path)
    assert wrong == []


def test_a_partner_probing_another_partners_object_gets_the_answer_of_a_missing_one(live: Live) -> None:
    with live.client("other") as client:
        theirs = client.get(f"/api/v1/audits/{live.seeded.audit[OWNER]}")
        missing = client.get("/api/v1/audits/a999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["message"] == f"unknown audit {live.seeded.audit[OWNER]!r}"
    assert "Acme" not in missing.text and live.seeded.audit[OWNER] not in missing.text


def test_a_partner_sees_its_own_scorecard_but_not_the_risk_ledger_or_alarms(live: Live) -> None:
    with live.client("acme") as client:
        document = client.get(f"/api/v1/partners/{OWNER}/health").json()
    assert set(document) == {"partner", "as_of", "scorecard"}


def test_denied_requests_are_in_the_request_log(live: Live) -> None:
    with live.client("other") as client:
        denied = client.get(
            f"/api/v1/batches/{live.seeded.batch[OWNER]}", headers={"X-Request-ID": "probe-1"}
        )
    assert denied.status_code == 404 and denied.headers["x-request-id"] == "probe-1"
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log").json()
    lines = [line for line in log if line["request_id"] == "probe-1"]
    assert [(e["actor"], e["role"], e["outcome"], e["status"]) for e in lines] == [
        ("user:other-bot", "partner:Other", "denied", 404)
    ]


def test_a_revoked_key_stops_working(live: Live, tmp_path: Path) -> None:
    from labelpact.services.users import add_user, revoke_user
    from labelpact.store import Store

    with Store.open(live.seeded.settings) as store:
        key = add_user(store, "temp", role="client").key
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{live.url}/api/v1/me", headers=headers).status_code == 200
    with Store.open(live.seeded.settings) as store:
        revoke_user(store, "temp")
    refused = httpx.get(f"{live.url}/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "the API key of user 'temp' was revoked"
    tampered = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    assert (
        httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    )


def _audited(live: Live, batch: str, wait_job: Callable[..., dict[str, Any]]) -> str:
    """The id of a new audit of ``batch``, run as the client through the service."""
    with live.client("client") as client:
        job = wait_job(client, client.post("/api/v1/audits", json={"batch": batch}).json()["id"])
    assert job["status"] == "succeeded", job
    return str(job["result"]["id"])


def test_a_partner_uploading_another_partners_bytes_learns_nothing_of_that_batch(
    live: Live, wait_job: Callable[..., dict[str, Any]]
) -> None:
    content = live.seeded.fresh_bytes()
    with live.client("acme") as acme, live.client("other") as other:
        first = acme.post("/api/v1/batches", files={"file": ("d.csv", content)}, data={"project": "p"})
        assert first.status_code == 201, first.text
        copied = other.post("/api/v1/batches", files={"file": ("d.csv", content)}, data={"project": "q"})
        # the same rows in another order: stored, but the warning names no batch of Acme's
        header, *rows = content.decode().splitlines()
        shuffled = "\n".join([header, *reversed(rows)]).encode() + b"\n"
        redelivered = other.post(
            "/api/v1/batches", files={"file": ("e.csv", shuffled)}, data={"project": "q"}
        )
    acme_batch = first.json()["batch"]
    assert copied.status_code == 422, copied.text  # before: 200 with Acme's batch record
    message = copied.json()["error"]["message"]
    assert "Acme" not in message and acme_batch not in message and "another partner" in message
    assert redelivered.status_code == 201, redelivered.text
    assert not any(acme_batch in w or "Acme" in w for w in redelivered.json()["warnings"])

    audit = _audited(live, redelivered.json()["batch"], wait_job)
    with live.client("client") as client:
        shown = client.get(f"/api/v1/audits/{audit}").json()
    with live.client("other") as other:
        seen = other.get(f"/api/v1/audits/{audit}").json()
    finding = next(f for f in shown["findings"] if f["kind"] == "redelivered")
    assert finding["evidence"]["other_partner_batches"] == [acme_batch]  # the client sees whose
    assert "another partner" in finding["detail"] and acme_batch not in finding["detail"]
    theirs = next(f for f in seen["findings"] if f["kind"] == "redelivered")
    assert "other_partner_batches" not in theirs["evidence"] and theirs["detail"] == finding["detail"]
    assert acme_batch not in json.dumps(seen)


def test_the_service_shows_an_audits_reviews_as_audits_show_does(
    live: Live, tmp_path: Path, wait_job: Callable[..., dict[str, Any]]
) -> None:
    audit = _audited(live, live.seeded.batch["Acme"], wait_job)
    sheet = tmp_path / "sheet.csv"
    with Store.open(live.seeded.settings) as store:
        write_review_sheet(store, audit, sheet)  # the consensus as the reviewer's answer: nothing defective
        review_sample(store, audit, results=sheet, reviewer="dana")
    with live.client("client") as client:
        shown = client.get(f"/api/v1/audits/{audit}").json()
    assert [(r["reviewer"], r["n_defective"]) for r in shown["reviews"]] == [("dana", 0)]


def test_a_partner_cannot_tell_another_partners_project_from_an_unknown_one(live: Live) -> None:
    with live.client("acme") as acme:
        made = acme.post(
            "/api/v1/batches",
            files={"file": ("a.csv", live.seeded.fresh_bytes())},
            data={"project": "acme-only"},
        )
        assert made.status_code == 201, made.text
    with live.client("other") as other:
        theirs = other.get("/api/v1/batches", params={"project": "acme-only"})
        unknown = other.get("/api/v1/batches", params={"project": "no-such-project"})
        bad_status = other.get("/api/v1/disputes", params={"status": "bogus"})
        accepted = other.get("/api/v1/disputes", params={"status": "accepted"})
    assert (theirs.status_code, unknown.status_code) == (404, 404)
    assert theirs.json()["error"]["message"] == "unknown project 'acme-only'"  # before: 200 and []
    assert bad_status.status_code == 422 and bad_status.json()["error"]["field"] == "status"
    assert accepted.status_code == 200  # DESIGN.md's word for upheld, as resolve takes it


def test_a_partner_cannot_upload_gold_with_its_delivery(live: Live) -> None:
    """Gold is the client's check of the partner's labels. Before, a partner's own gold was stored with its
    batch and the audit counted it as verified evidence (gold accuracy 100%, the AQL met)."""
    content = live.seeded.fresh_bytes()
    _, first, *_ = content.decode().splitlines()
    task, label = first.split(",")[0], first.split(",")[-1]
    gold = f"task,label\n{task},{label}\n".encode()
    with live.client("acme") as acme:
        refused = acme.post(
            "/api/v1/batches",
            files={"file": ("d.csv", content), "gold": ("g.csv", gold)},
            data={"project": "p"},
        )
        assert refused.status_code == 403, refused.text
        assert "come from the client" in refused.json()["error"]["message"]
    with live.client("client") as client:  # 201, not 200: the refused upload stored nothing
        stored = client.post(
            "/api/v1/batches",
            files={"file": ("d.csv", content), "gold": ("g.csv", gold)},
            data={"project": "p", "partner": "Acme"},
        )
    assert stored.status_code == 201, stored.text


def test_an_audit_with_a_bad_contract_is_refused_before_any_job(live: Live) -> None:
    """Before: 202 and a job that failed later; docs/service.md promises the CLI's one line as a 422."""
    with live.client("client") as client:
        for text, words in (
            ("[quality]\nmin_agreement = 2\n", "quality.min_agreement"),
            ("[quality\n", "TOML"),
        ):
            answer = client.post(
                "/api/v1/audits", json={"batch": live.seeded.batch["Acme"], "contract": text}
            )
            assert answer.status_code == 422, answer.text
            assert words in answer.json()["error"]["message"]


def test_a_partner_cannot_upload_ground_truth_inside_a_label_studio_export(live: Live) -> None:
    """Label Studio ``ground_truth`` annotations are read as gold: a partner's upload carrying them is refused as
    an explicit gold file is (before, they were stored as the batch's gold and verified its audit)."""

    def export(truth: bool) -> bytes:
        tasks = [
            {
                "id": t,
                "data": {"text": f"item {t}"},
                "annotations": [
                    {
                        "id": 10 * t + w,
                        "completed_by": w,
                        "ground_truth": truth and w == 0 and t < 3,
                        "was_cancelled": False,
                        "result": [
                            {"from_name": "label", "type": "choices", "value": {"choices": ["ab"[t % 2]]}}
                        ],
                    }
                    for w in range(3)
                ],
            }
            for t in range(12)
        ]
        return json.dumps(tasks).encode()

    with live.client("acme") as acme:
        refused = acme.post(
            "/api/v1/batches", files={"file": ("ls.json", export(True))}, data={"project": "p"}
        )
        assert refused.status_code == 403, refused.text
        assert "marks 3 annotations as ground truth" in refused.json()["error"]["message"]
        plain = acme.post(
            "/api/v1/batches", files={"file": ("ls.json", export(False))}, data={"project": "p"}
        )
        assert plain.status_code == 201, plain.text
    with live.client("client") as client:
        stored = client.post(
            "/api/v1/batches",
            files={"file": ("ls.json", export(True))},
            data={"project": "p", "partner": "Acme"},
        )
    assert stored.status_code == 201 and stored.json()["n_gold"] == 3, stored.text
