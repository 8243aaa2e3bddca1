"""A name and its lower-case spelling are look-alikes even when the name holds a capital I ("Scale AI" and
"scale ai"): the skeleton had turned I into l before case-folding but left i alone."""

from __future__ import annotations

import pytest

from labelpact.errors import ConflictError
from labelpact.store import Store
from labelpact.store.names import skeleton


@pytest.mark.parametrize(
    ("a", "b"),
    [("Scale AI", "scale ai"), ("Inc Labs", "inc labs"), ("SCALE AI", "Scale Ai"), ("Scale AI", "Scale Al")],
)
def test_case_never_separates_a_name_holding_a_capital_i(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


def test_the_store_refuses_the_lower_case_spelling(store: Store) -> None:
    store.add_partner("Scale AI")
    with pytest.raises(ConflictError, match="looks like the existing partner 'Scale AI'"):
        store.add_partner("scale ai")
    assert store.add_partner("scale ai", allow_lookalike=True).name == "scale ai"
    assert sorted(p.name for p in store.list_partners()) == ["Scale AI", "scale ai"]
