"""acceptance.aql's limit is a fraction on every kind of audit, as the label audit (contracts.verdict) states it."""

from __future__ import annotations

from labelpact.core.acceptance import sampling_plan
from labelpact.services import refinement_assessment


def test_an_unjudged_kind_states_its_aql_as_a_fraction() -> None:
    plan = sampling_plan(300, aql=1.0)
    (reason,) = refinement_assessment._unjudged("ratings", [], plan)
    assert reason.clause == "acceptance.aql"
    assert reason.limit == 0.01  # 1% AQL, as 0.01 on a label audit; it read 1.0 (100%)
