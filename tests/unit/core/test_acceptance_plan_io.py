"""A sampling plan survives its JSON (``SamplingPlan.to_dict`` / ``from_dict``); an audit's review set."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.core.acceptance import (
    SamplingPlan,
    draw_sample,
    inspection_sample,
    low_confidence_tasks,
    sampling_plan,
)
from labelpact.core.iso2859 import AQLS, INSPECTION_LEVELS
from labelpact.errors import InvalidInputError


@settings(max_examples=200, deadline=None)
@given(
    lot_size=st.integers(1, 10**6),
    aql=st.sampled_from(AQLS),
    level=st.sampled_from(INSPECTION_LEVELS),
)
def test_a_plan_round_trips_through_json(lot_size: int, aql: float, level: str) -> None:
    plan = sampling_plan(lot_size, aql=aql, inspection_level=level)
    assert SamplingPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan  # plan_letter derived again


def test_the_stored_keys_are_the_audit_documents() -> None:
    plan = sampling_plan(1200, aql=1.0)
    assert list(plan.to_dict()) == [
        "lot_size",
        "sample_size",
        "accept_number",
        "reject_number",
        "aql",
        "inspection_level",
        "code_letter",
    ]
    # ISO 2859-1 level II, 1,200 units: code letter J, n = 80; AQL 1.0 has Ac 2, Re 3
    assert plan.to_dict() | {"seed": 0} == {
        "lot_size": 1200,
        "sample_size": 80,
        "accept_number": 2,
        "reject_number": 3,
        "aql": 1.0,
        "inspection_level": "II",
        "code_letter": "J",
        "seed": 0,
    }
    assert SamplingPlan.from_dict(plan.to_dict() | {"seed": 0, "stratified_by_confidence": True}) == plan


def test_an_arrow_followed_plan_keeps_its_plan_letter() -> None:
    plan = sampling_plan(10, aql=0.01)  # letter B points down the column to a larger sample
    assert plan.plan_letter != plan.code_letter
    assert SamplingPlan.from_dict(plan.to_dict()).plan_letter == plan.plan_letter


def test_a_plan_missing_a_number_names_the_key() -> None:
    data = sampling_plan(500, aql=2.5).to_dict()
    del data["accept_number"]
    with pytest.raises(InvalidInputError) as caught:
        SamplingPlan.from_dict(data)
    assert caught.value.column == "sampling_plan.accept_number"


def test_inspection_sample_is_the_plans_draw_plus_weak_tasks_outside_it() -> None:
    rng = np.random.default_rng(3)
    confidence = rng.uniform(0.3, 1.0, size=600)
    confidence[::7] = np.nan  # unlabelled tasks: never drawn
    labelled = np.flatnonzero(np.isfinite(confidence))
    plan = sampling_plan(len(labelled), aql=1.0)
    drawn, extra = inspection_sample(confidence, labelled, plan, weak=0.7, random_state=5)
    expected = labelled[
        draw_sample(len(labelled), plan, confidence=confidence[labelled], stratify=True, random_state=5)
    ]
    assert drawn.tolist() == expected.tolist() and len(drawn) == plan.sample_size
    assert not set(extra) & set(drawn) and np.all(confidence[extra] < 0.7)
    lowest = labelled[
        low_confidence_tasks(confidence[labelled], plan.sample_size, exclude=np.searchsorted(labelled, drawn))
    ]
    assert extra.tolist() == [t for t in lowest.tolist() if confidence[t] < 0.7]
    none = inspection_sample(confidence, np.empty(0, dtype=np.intp), plan, weak=0.7)
    assert [len(x) for x in none] == [0, 0]
