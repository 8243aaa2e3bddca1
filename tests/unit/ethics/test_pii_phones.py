"""Phone numbers outside their numbering plan: reported at a lower confidence, and decoys left alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import phonenumbers
import pytest

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii import PHONE_SHAPED, PHONE_VALID, find_pii, scan_pii
from synthetic.pii_corpus import NATIONAL_REGIONS, score_spans

REGIONS = ("US", "GB", "DE", "FR")
UNASSIGNED = [  # (text, number, region it is read in): possible by length, invalid by the plan
    ("Call me at (555) 123-4567 tonight.", "(555) 123-4567", "US"),
    ("My cell is 212-000-1234.", "212-000-1234", "US"),
    ("Tel: (123) 456-7890", "(123) 456-7890", "US"),
    ("reach me on 555.010.9999 please", "555.010.9999", "US"),
    ("Phone 0999 1234567 (office)", "0999 1234567", "DE"),
    ("call 0111 000 0000 now", "0111 000 0000", "GB"),
    ("Ring +1 (555) 123-4567 today", "+1 (555) 123-4567", "US"),
    ("Ring +44 11 1234 5678 today", "+44 11 1234 5678", "GB"),
]


def corpora() -> ModuleType:
    """``benchmarks/pii_corpora.py``, our generator, loaded by path (it is not part of the package)."""
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "pii_corpora.py"
    spec = importlib.util.spec_from_file_location("pii_corpora", path)
    if spec is None or spec.loader is None:
        pytest.skip(f"{path} not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("text", "number", "region"), UNASSIGNED)
def test_an_unassigned_number_is_still_a_phone_at_lower_confidence(
    text: str, number: str, region: str
) -> None:
    parsed = phonenumbers.parse(number, region)
    assert phonenumbers.is_possible_number(parsed) and not phonenumbers.is_valid_number(parsed)  # the premise
    report = scan_pii(TaskPayloads(task=("t",), fields={"text": (text,)}), phone_regions=REGIONS)
    assert [(f.entity, text[f.start : f.end], f.confidence) for f in report.findings] == [
        ("phone", number, PHONE_SHAPED)
    ]
    assert number not in str(report.to_dict())  # masked like any other value


def test_a_valid_number_keeps_the_higher_confidence() -> None:
    report = scan_pii(TaskPayloads(task=("t",), fields={"text": ("Call (415) 555-2671",)}))
    assert [(f.masked, f.confidence) for f in report.findings] == [("(***) ***-**71", PHONE_VALID)]
    assert PHONE_SHAPED < PHONE_VALID


DECOYS = [
    "See ISBN 0-306-40615-2 and ISBN 978-0-306-40615-7.",
    "Phone us! ISBN 0-458-53741-0 is the French edition.",  # valid as a French number, but an ISBN
    "Order 5598289529 shipped.",  # a valid US number written as a bare order number
    "EAN 0896470915216 on the box",
    "It was 03-05-2024 at 12:30:45, then 14:00 - 15:30.",
    "updated to version 10.0.19045.3570 and v2.31.0",
    "It cost $1,299.99, € 12 345 678 or 1 299 000 EUR.",
    "tracking 1Z999AA10123456784, 9400 1000 0000 0000 0000 00, JD014600006101234567",
    "at 40.7128, -74.0060 and 48.856613 2.352222",
    "sort code 20-00-00, account 12345678",
    "10 100 users and 555 123 people",
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_are_no_phones(text: str) -> None:
    assert find_pii(text, entities=["phone"], phone_regions=REGIONS) == []


def test_a_bare_digit_run_is_a_phone_alone_in_a_field_or_after_a_phone_word() -> None:
    """The phone word must be in the same task: "tel" ending task b says nothing about task c (the field's
    name is no phone word: a field named ``phone`` would be one for every task)."""
    report = scan_pii(
        TaskPayloads(task=("a", "b", "c"), fields={"text": ("4155552671", "tel 4155552671", "id 4155552671")})
    )
    assert [f.task for f in report.findings] == ["a", "b"]


def test_precision_and_recall_on_unassigned_numbers_among_decoys() -> None:
    """Held-out seed of our generator: precision >= 0.95 (the issue's bar), recall >= 0.9."""
    for share in (0.0, 0.5):
        corpus = corpora().phone_corpus(600, seed=23, valid_share=share)
        found = [find_pii(t, entities=["phone"], phone_regions=NATIONAL_REGIONS) for t in corpus.texts]
        score = score_spans(corpus.truth, found, ["phone"])["phone"]
        assert score.tp >= 250
        assert score.precision >= 0.95
        assert score.recall >= 0.9


def test_the_generated_numbers_are_unassigned_by_an_independent_check() -> None:
    corpus = corpora().phone_corpus(100, seed=5)
    numbers = [t[s:e] for t, spans in zip(corpus.texts, corpus.truth, strict=True) for _, s, e in spans]
    assert len(numbers) > 40
    for number in numbers:
        parsed = [phonenumbers.parse(number, r) for r in REGIONS]
        # unassigned where it was made (it may be valid in another plan: then it is a phone all the more)
        assert any(phonenumbers.is_possible_number(p) and not phonenumbers.is_valid_number(p) for p in parsed)
