"""A partner's view of the service never names another partner's batches, however it asks."""

from __future__ import annotations

from .conftest import Live
from .seed import labels_csv

# labels_csv(500) plus one row "tail<i>,w0,a": the SHA-256 of tails 45 and 3924 both start with 2497ca
COLLIDING_TAILS = (45, 3924)
SHARED_PREFIX = "2497ca"


def _delivery(tail: int) -> bytes:
    return labels_csv(500) + f"tail{tail},w0,a\n".encode()


def test_an_audit_list_by_an_ambiguous_prefix_lists_the_partners_own_audits_and_names_no_other_batch(
    live: Live,
) -> None:
    """Before, ``?batch=<prefix>`` resolved the prefix to the partner's own batch but listed by the raw prefix,
    and the store's 422 named every batch that matched, another partner's included."""
    theirs_tail, ours_tail = COLLIDING_TAILS
    with live.client("other") as other:
        theirs = other.post(
            "/api/v1/batches", files={"file": ("d.csv", _delivery(theirs_tail))}, data={"project": "p"}
        )
    with live.client("acme") as acme:
        ours = acme.post(
            "/api/v1/batches", files={"file": ("d.csv", _delivery(ours_tail))}, data={"project": "p"}
        )
        assert theirs.status_code == ours.status_code == 201, (theirs.text, ours.text)
        assert theirs.json()["sha256"].startswith(SHARED_PREFIX)
        assert ours.json()["sha256"].startswith(SHARED_PREFIX)
        shown = acme.get(f"/api/v1/batches/{SHARED_PREFIX}")
        listed = acme.get("/api/v1/audits", params={"batch": SHARED_PREFIX})
    assert shown.status_code == 200 and shown.json()["id"] == ours.json()["batch"]
    assert listed.status_code == 200, listed.text
    assert listed.json() == []
    assert theirs.json()["batch"] not in listed.text
    with live.client("client") as client:  # the client sees both, so its prefix is still ambiguous
        ambiguous = client.get("/api/v1/audits", params={"batch": SHARED_PREFIX})
    assert ambiguous.status_code == 422
