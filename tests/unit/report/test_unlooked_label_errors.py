"""A published batch whose labels cannot measure quality (one label per task) was never searched for label
errors: the card says so, and publishes no 0.0% for it."""

from __future__ import annotations

import dataclasses

from labelpact.report import rai_values

from . import factory

WHY = "every task has one label only"


def test_the_card_says_label_errors_could_not_be_looked_for() -> None:
    facts = factory.project()
    audits = tuple(
        dataclasses.replace(a, label_error_rate=None, n_label_errors=None, label_errors_unmeasured=WHY)
        for a in facts.audits
    )
    values = rai_values(dataclasses.replace(facts, audits=audits))
    said = f"Label-error candidates could not be looked for in 2 of 2 published label batches ({WHY})."
    for name in ("dataLimitations", "dataAnnotationAnalysis"):
        text = values[name].text
        assert said in text
        assert "label-error candidates (weak" not in text and "label-error candidates 0.0%" not in text
