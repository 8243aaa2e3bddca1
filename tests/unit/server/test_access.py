"""The service's rules without a server: error documents, who sees what, keys and their hashes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from unittest import mock

import pytest

from labelpact.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, StoreError
from labelpact.services import users
from labelpact.services.access import (
    Principal,
    UnauthenticatedError,
    error_document,
    hidden_from,
    require_client,
    require_owner,
)
from labelpact.store import UserRecord

CLIENT = Principal("ada", "client")
ACME = Principal("bot", "partner:Acme", "Acme")


@pytest.mark.parametrize(
    ("error", "status", "kind", "field"),
    [
        (InvalidInputError("a date", file="e.csv", row=3, column="date"), 422, "invalid_input", "date"),
        (NotFoundError("unknown audit 'a9'"), 404, "not_found", None),
        (ForbiddenError("no"), 403, "forbidden", None),
        (UnauthenticatedError("no key"), 401, "unauthenticated", None),
        (ConflictError("twice"), 409, "conflict", None),
        (StoreError("down"), 503, "store", None),
        (RuntimeError("secret detail"), 500, "internal", None),
    ],
)
def test_every_error_has_its_status_and_one_document(
    error: Exception, status: int, kind: str, field: str | None
) -> None:
    got_status, document = error_document(error)
    assert got_status == status
    assert document["error"]["type"] == kind and document["error"]["field"] == field
    assert "secret detail" not in document["error"]["message"]


def test_a_partner_reaching_another_partners_object_gets_not_found_and_no_names() -> None:
    require_owner(ACME, "Acme", "audit", "a1")
    require_owner(CLIENT, "Other", "audit", "a1")
    with pytest.raises(NotFoundError, match=r"^unknown audit 'a2'$"):
        require_owner(ACME, "Other", "audit", "a2")
    with pytest.raises(NotFoundError, match=r"^unknown batch 'abc'$"), hidden_from(ACME, "batch", "abc"):
        raise NotFoundError("unknown batch 'abc'; latest: 111111111111 (Other), 222222222222 (Acme)")
    with pytest.raises(NotFoundError, match="Other"), hidden_from(CLIENT, "batch", "abc"):
        raise NotFoundError("unknown batch 'abc'; latest: 111111111111 (Other)")
    with pytest.raises(ForbiddenError, match="for the client's users"):
        require_client(ACME, "the events ledger")


def _user(secret: str, *, revoked: bool = False) -> UserRecord:
    salt = "00" * 16
    return UserRecord(
        name="ada",
        role="client",
        partner=None,
        key_id="0123456789abcdef",
        created_at=datetime(2026, 12, 4, tzinfo=UTC),
        created_by="local",
        revoked_at=datetime(2026, 12, 5, tzinfo=UTC) if revoked else None,
        key_salt=salt,
        key_hash=users.hash_secret(secret, salt),
    )


def test_the_hash_is_scrypt_of_the_secret_with_the_salt() -> None:
    expected = hashlib.scrypt(b"s3cret", salt=b"\x00" * 16, n=2**14, r=8, p=1, dklen=32, maxmem=64 << 20)
    assert users.hash_secret("s3cret", "00" * 16) == expected.hex()


def test_a_key_is_checked_by_scrypt_once_then_remembered() -> None:
    store = mock.Mock()
    store.find_user_by_key_id.return_value = _user("right")
    verifier = users.KeyVerifier()
    with mock.patch.object(users, "hash_secret", wraps=users.hash_secret) as spy:
        for _ in range(3):
            assert users.authenticate(store, "lp_0123456789abcdef_right", verifier).name == "ada"
        assert spy.call_count == 1
        with pytest.raises(UnauthenticatedError, match="not valid"):
            users.authenticate(store, "lp_0123456789abcdef_wrong", verifier)
    for malformed in (None, "", "Bearer x", "lp_short_x", "xx_0123456789abcdef_right"):
        with pytest.raises(UnauthenticatedError):
            users.authenticate(store, malformed, verifier)


def test_a_revoked_key_is_refused_and_names_who_tried() -> None:
    store = mock.Mock()
    store.find_user_by_key_id.return_value = _user("right", revoked=True)
    with pytest.raises(UnauthenticatedError, match="was revoked") as caught:
        users.authenticate(store, "lp_0123456789abcdef_right", users.KeyVerifier())
    assert caught.value.who == Principal("ada", "client", None)


@pytest.mark.parametrize(
    ("role", "parsed"),
    [
        ("admin", ("admin", None)),
        (" client ", ("client", None)),
        ("partner:Scale AI", ("partner:Scale AI", "Scale AI")),
    ],
)
def test_roles(role: str, parsed: tuple[str, str | None]) -> None:
    assert users.parse_role(role) == parsed


@pytest.mark.parametrize("role", ["", "owner", "partner:", "partner: ", "Admin"])
def test_bad_roles(role: str) -> None:
    with pytest.raises(InvalidInputError, match="a role admin, client or partner:NAME"):
        users.parse_role(role)


def test_an_ambiguous_batch_prefix_names_only_the_partners_own_batches() -> None:
    from labelpact.services.scoped import get_batch

    own = mock.Mock(id="abcdef111111", sha256="abcdef111111" + "0" * 52, partner="Acme")
    store = mock.Mock()
    store.get_batch.side_effect = InvalidInputError(
        "a batch id prefix that matches one batch",
        column="batch",
        got="'abcdef', which matches abcdef111111, abcdef999999",
    )
    store.list_batches.return_value = [own]
    with mock.patch("labelpact.services.scoped.batch_dict", side_effect=lambda b: {"id": b.id}):
        assert get_batch(store, ACME, "abcdef") == {"id": "abcdef111111"}
        store.list_batches.return_value = []
        with pytest.raises(NotFoundError, match=r"^unknown batch 'abcdef'$"):
            get_batch(store, ACME, "abcdef")
        with pytest.raises(InvalidInputError, match="abcdef999999"):  # the client may see every match
            get_batch(store, CLIENT, "abcdef")
    store.list_batches.assert_called_with(partner="Acme")
