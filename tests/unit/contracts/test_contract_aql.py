"""A contract's AQL must be a percent-nonconforming column of ISO 2859-1 Table 2-A (at most 10: a label is right
or wrong), checked when the contract is parsed (issue 10, item 6)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelpact.contracts.contract import parse_contract
from labelpact.core.acceptance import sampling_plan
from labelpact.core.iso2859 import AQLS, PERCENT_AQLS
from labelpact.errors import InvalidInputError


def test_a_non_standard_aql_names_the_file_line_and_key() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_contract("[quality]\nmin_agreement = 0.5\n[acceptance]\naql = 3.3\n", source="acme.toml")
    error = caught.value
    assert (error.file, error.row, error.column, error.got) == ("acme.toml", 4, "acceptance.aql", "3.3")
    assert str(error).startswith(
        "acme.toml, line 4, key 'acceptance.aql': expected an AQL in percent defective, a column of ISO 2859-1"
    )


@pytest.mark.parametrize("aql", PERCENT_AQLS)
def test_every_percent_column_is_accepted(aql: float) -> None:
    assert parse_contract(f"[acceptance]\naql = {aql!r}\n").acceptance.aql == aql


@given(st.floats(min_value=0.01, max_value=10.0))
def test_any_other_aql_in_range_is_refused(aql: float) -> None:
    standard = any(math.isclose(aql, column, rel_tol=1e-9) for column in PERCENT_AQLS)
    if standard:
        assert parse_contract(f"[acceptance]\naql = {aql!r}\n").acceptance.aql == aql
    else:
        with pytest.raises(InvalidInputError, match="expected an AQL in percent defective"):
            parse_contract(f"[acceptance]\naql = {aql!r}\n")


@pytest.mark.parametrize("aql", [a for a in AQLS if a > 10])
def test_aqls_for_nonconformities_per_100_units_are_refused(aql: float) -> None:
    # above 10 the table's plans can accept more defects than they sample (letter B, AQL 1000: n 3, Ac 44),
    # so a review with every sampled task wrong would accept the batch
    with pytest.raises(InvalidInputError) as caught:
        parse_contract(f"[acceptance]\naql = {aql!r}\n", source="c.toml")
    assert (caught.value.row, caught.value.column) == (2, "acceptance.aql")
    assert "between 0.01 and 10" in str(caught.value)


def test_every_percent_plan_can_reject_its_sample() -> None:
    for aql in PERCENT_AQLS:
        for lot in (2, 8, 50, 1200, 10**6):
            plan = sampling_plan(lot, aql=aql)
            assert plan.accept_number < plan.sample_size
