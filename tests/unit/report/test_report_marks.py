"""The report's summary tile marks an error rate resting partly on model-only estimates, its footnote is
printed only when a row carries the mark, and the card's url is the file it is written to."""

from __future__ import annotations

import dataclasses

from labelpact.report import build_card, check_card, render_report

from . import factory

NOTE = "* a model-only estimate, not verified on gold or a reviewed sample."


def _verified(facts, *, a1: bool):  # a1 and a3 are published
    audits = tuple(
        dataclasses.replace(a, error_verified=a1 if a.audit == "a1" else True) for a in facts.audits
    )
    return dataclasses.replace(facts, audits=audits)


def test_the_summary_tile_marks_model_only_estimates() -> None:
    html = render_report(_verified(factory.project(), a1=False))
    assert "estimated error rate of published labels (1 of 2 batches model-only estimates*)" in html
    assert NOTE in html


def test_no_mark_and_no_footnote_when_every_estimate_is_verified() -> None:
    html = render_report(_verified(factory.project(), a1=True))
    assert "model-only estimates*" not in html
    assert NOTE not in html


def test_the_card_url_is_the_file_it_is_written_to() -> None:
    facts = factory.project()
    assert "url" not in build_card(facts)  # no guessed file name
    card = build_card(dataclasses.replace(facts, card_name="c2.jsonld"))
    assert card["url"] == "c2.jsonld"
    assert check_card(card) == []
