"""The card as a Croissant dataset: field ids a loader accepts whatever the class names, and a profile check
that refuses what mlcroissant refuses and what ISO 8601 does not allow."""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from labelpact.report import DistributionFile, FieldFacts, build_card, check_card

from . import factory

CLASSES = ("very positive", "mïxed ☃", "very_positive", "=SUM(A1)")


def _probabilities() -> DistributionFile:
    return DistributionFile(
        id="probabilities-csv",
        name="card.probabilities.csv",
        encoding_format="text/csv",
        sha256="ab" * 32,
        size_bytes=10,
        description="Per-class probabilities.",
        fields=(
            FieldFacts("batch", "sc:Text", "The batch."),
            FieldFacts("task", "sc:Text", "The task."),
            *(FieldFacts(f"p_{c}", "sc:Float", f"Probability of {c}.") for c in CLASSES),
        ),
        key=("batch", "task"),
    )


def _card() -> dict[str, Any]:
    return build_card(factory.project(files=(factory.consensus_file(), _probabilities())))


def _mlcroissant_errors(card: dict[str, Any]) -> set[str]:
    mlc = pytest.importorskip("mlcroissant")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        try:
            dataset = mlc.Dataset(jsonld=copy.deepcopy(card))
        except mlc.ValidationError as error:
            return {str(error)}
    return set(dataset.metadata.ctx.issues.errors)


def test_class_names_with_spaces_give_field_ids_a_croissant_loader_accepts() -> None:
    card = _card()
    fields = card["recordSet"][1]["field"]
    ids = [f["@id"] for f in fields]
    assert ids[:2] == ["probabilities-csv-records/batch", "probabilities-csv-records/task"]
    assert all(" " not in i for i in ids) and len(set(ids)) == len(ids)  # very_positive stays its own
    assert ids[4] == "probabilities-csv-records/p_very_positive"
    assert [f["source"]["extract"]["column"] for f in fields][2:] == [f"p_{c}" for c in CLASSES]
    assert check_card(card) == []
    assert _mlcroissant_errors(card) == set()


def test_the_check_refuses_ids_mlcroissant_refuses() -> None:
    card = _card()
    card["recordSet"][1]["field"][2]["@id"] = "probabilities-csv-records/p_very positive"
    assert _mlcroissant_errors(card)  # the reference loader refuses it ...
    assert check_card(card) == [  # ... and so does the check, by its path
        "@id at recordSet[1].field[2]: expected an identifier without whitespace (Croissant loaders refuse it, "
        "even URL-escaped), got 'probabilities-csv-records/p_very positive'"
    ]


def _timeframe(value: str) -> Callable[[dict[str, Any]], None]:
    return lambda c: c.update({"rai:dataCollectionTimeframe": value})


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_timeframe("2025-12-31/2025-01-01"), "an interval that ends no earlier than it starts"),
        (_timeframe("2025-13"), "got '2025-13'"),
        (_timeframe("0000/9999"), "got '0000/9999'"),
        (_timeframe("2025-01-01 10:00"), "got '2025-01-01 10:00'"),
        (_timeframe("2025-02-30"), "got '2025-02-30'"),
        (
            lambda c: c["conformsTo"].__setitem__(0, "http://mlcommons.org/croissant/1.x-bogus"),
            "conformsTo: expected a Croissant version",
        ),
        (lambda c: c.update({"@type": "sc:Person"}), "@type: expected sc:Dataset"),
        (lambda c: c.pop("name"), "name: expected a non-blank text, got None"),
        (lambda c: c.update({"recordSet": "junk"}), "recordSet: expected a list of objects, got str"),
        (
            lambda c: c["distribution"][0].update({"@type": "sc:Person"}),
            "distribution[0]: expected a cr:FileObject or cr:FileSet with an @id",
        ),
        (
            lambda c: c["recordSet"][0]["field"][0]["source"].update({"fileObject": {"@id": "nowhere"}}),
            "recordSet[0].field[0].source.fileObject: expected the @id of a file in distribution, got 'nowhere'",
        ),
    ],
)
def test_the_check_refuses_what_croissant_and_iso_8601_do_not_allow(
    edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    card = build_card(factory.project(files=(factory.consensus_file(),)))
    edit(card)
    problems = check_card(card)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_check_still_accepts_iso_forms_and_both_croissant_versions() -> None:
    card = build_card(factory.project(files=(factory.consensus_file(),)))
    for value in ("2025", "2025-06/2025-06", "2025-01-14T09:00Z/2025-01-14T10:00:00+01:00", "2024-02-29"):
        card["rai:dataCollectionTimeframe"] = value
        assert check_card(card) == [], value
    card["conformsTo"][0] = "http://mlcommons.org/croissant/1.0"
    assert check_card(card) == []
    bare = dataclasses.replace(factory.project(), files=())
    assert check_card(build_card(bare)) == []  # no file yet: an empty distribution is a dataset still
