"""Tasks delivered without a label have no consensus label: the card and report count only labelled tasks
as published, and labels per task are per labelled task; the raw count stays in the missing-data text."""

from __future__ import annotations

import dataclasses
import re

from labelpact.report import build_card, eu_ai_act, rai_values, render_report
from labelpact.report.pooled import pooled

from . import factory


def _facts():  # a1 and a3 are published: 1000 tasks each, of which 200 (a1) and 0 (a3) nobody labelled
    facts = factory.project()
    audits = tuple(
        dataclasses.replace(a, n_tasks_without_labels=200 if a.audit == "a1" else 0) for a in facts.audits
    )
    return dataclasses.replace(facts, audits=audits)


def test_pooled_counts_labelled_tasks_and_weights_by_them() -> None:
    p = pooled(_facts().included)
    assert p.n_tasks == 1800
    assert p.annotations_per_item == 8000 / 1800
    assert p.per_item_range == (3000 / 800, 5.0)
    assert p.error_rate == (800 * 0.02 + 1000 * 0.04) / 1800


def test_the_card_and_report_publish_the_labelled_tasks() -> None:
    facts = _facts()
    values = rai_values(facts)
    assert values["annotationsPerItem"].text == (
        "Measured: 4.44 human labels per task on average (8,000 labels on 1,800 tasks; per batch 3.75 to 5.00)."
    )
    assert "(1,800 tasks, 8,000 annotations) are published" in values["dataCollection"].text
    assert "200 tasks arrived without a label" in values["dataCollectionMissingData"].text
    assert "1,800 tasks from 2 accepted batches" in build_card(facts)["description"]
    summary = {f["section"][:2]: f["value"] for f in eu_ai_act(facts)["gpai_public_summary"]}
    assert summary["1."].startswith("1,800 labelled tasks carrying 8,000 human labels")
    html = re.sub(r"\s+", " ", render_report(facts))
    assert '<div class="value">1,800</div><div class="label">labelled tasks published</div>' in html
    assert '<div class="value">4.44</div><div class="label">labels per task</div>' in html
