"""A contract's AQL must be a column of ISO 2859-1 Table 2-A: checked when the contract is parsed (issue 10, item 6)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelpact.contracts.contract import parse_contract
from labelpact.core.iso2859 import AQLS
from labelpact.errors import InvalidInputError


def test_a_non_standard_aql_names_the_file_line_and_key() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_contract("[quality]\nmin_agreement = 0.5\n[acceptance]\naql = 3.3\n", source="acme.toml")
    error = caught.value
    assert (error.file, error.row, error.column, error.got) == ("acme.toml", 4, "acceptance.aql", "3.3")
    assert str(error).startswith(
        "acme.toml, line 4, key 'acceptance.aql': expected an AQL of ISO 2859-1 Table 2-A"
    )


@pytest.mark.parametrize("aql", AQLS)
def test_every_table_column_is_accepted(aql: float) -> None:
    assert parse_contract(f"[acceptance]\naql = {aql!r}\n").acceptance.aql == aql


@given(st.floats(min_value=0.01, max_value=1000.0))
def test_any_other_aql_in_range_is_refused(aql: float) -> None:
    standard = any(math.isclose(aql, column, rel_tol=1e-9) for column in AQLS)
    if standard:
        assert parse_contract(f"[acceptance]\naql = {aql!r}\n").acceptance.aql == aql
    else:
        with pytest.raises(InvalidInputError, match="expected an AQL of ISO 2859-1"):
            parse_contract(f"[acceptance]\naql = {aql!r}\n")
