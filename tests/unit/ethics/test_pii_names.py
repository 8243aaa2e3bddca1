"""Person names found offline (name lists + context words): cases, decoys, a real text, a scored corpus."""

from __future__ import annotations

import csv
import importlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii import find_pii, scan_pii
from labelpact.ethics.pii.names import find_names, name_lists
from synthetic.pii_corpus import score_spans

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "samples"

FOUND = [  # (text, name as written, confidence level)
    ("Hi, my name is John Smith and my order never arrived.", "John Smith", 0.9),
    ("Dear Maria,\nthank you for your message.", "Maria", 0.9),
    ("Dear Mr. Okonkwo, your refund was approved.", "Okonkwo", 0.9),
    ("Best regards,\nJean-Luc Picard", "Jean-Luc Picard", 0.9),
    ("Reviewer: Tamsin Ngata", "Tamsin Ngata", 0.9),
    ("I spoke with Michael Brown at the desk.", "Michael Brown", 0.85),
    ("Kindly ask Ingrid Johansson first.", "Ingrid Johansson", 0.85),
    ("John F. Kennedy spoke first.", "John F. Kennedy", 0.85),
    ("Our driver Priya Okafor left it at the door.", "Priya Okafor", 0.85),
    ("I am Mthunzi Papadakis, the account holder.", "Mthunzi Papadakis", 0.6),
    ("Thanks, Priya", "Priya", 0.5),
    ("Maria said the kettle leaks.", "Maria", 0.5),
    ("hi, my name is john smith and i need help", "john smith", 0.6),
]


@pytest.mark.parametrize(("text", "name", "level"), FOUND)
def test_names_in_context_are_found(text: str, name: str, level: float) -> None:
    assert [(text[s:e], c) for s, e, c in find_names(text)] == [(name, level)]


DECOYS = [
    "Dear Customer, your order has shipped.",
    "Dear Hiring Manager, please find my CV attached.",
    "Dear Sir or Madam, I write to complain.",
    "Customer Service Was Great",
    "Will you refund me or not? May I ask why?",
    "Grace period ends on Friday, June 12.",
    "The Jordan River is longer than I thought.",
    "Georgia Power raised prices; The Ford Motor Company did not.",
    "We flew from Paris to Sydney last summer.",
    "Christian bookstores sell it too.",
    "We stayed near Baker Street and Victoria Station.",
    "Apple Music and Amazon Prime both failed.",
    "Hello Team, the build is green. Hi All.",
    "Ich habe den Mixer letzten Monat gekauft. Der Versand war schnell.",
    "Best Product Ever The annotator agreed.",
]


@pytest.mark.parametrize("text", DECOYS)
def test_capitalised_words_places_and_brands_are_no_names(text: str) -> None:
    assert list(find_names(text)) == []


def test_real_headlines_hold_no_names() -> None:
    """Thirty real news headlines (a Label Studio export in shared/samples): places, teams, no person."""
    path = SAMPLES / "labelstudio" / "export.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (shared samples absent)")
    with path.open(newline="") as handle:
        headlines = sorted({row["headline"] for row in csv.DictReader(handle)})
    assert len(headlines) == 30
    found = [(h, h[s:e]) for h in headlines for _, s, e in find_pii(h, entities=["name"])]
    assert found == []


def test_names_are_masked_and_never_echoed() -> None:
    texts = ("My name is John Smith.", "Dear Ms. Okafor,", "nothing here")
    report = scan_pii(TaskPayloads(task=("a", "b", "c"), fields={"text": texts}))
    assert [(f.task, f.entity, f.masked) for f in report.findings] == [
        ("a", "name", "J*** S***"),
        ("b", "name", "O***"),
    ]
    dumped = json.dumps(report.to_dict())
    assert "Smith" not in dumped and "Okafor" not in dumped
    assert report.by_entity == {"name": 2}


def test_a_cue_never_reaches_across_tasks() -> None:
    """ "Dear" ending task a says nothing about the word that starts task b."""
    report = scan_pii(TaskPayloads(task=("a", "b"), fields={"text": ("Dear", "Okonkwo delivered it.")}))
    assert report.findings == ()


def test_the_lists_come_from_faker_and_exclude_common_words() -> None:
    """Independent check: a few names read straight from Faker's providers are in the sets."""
    lists = name_lists()
    us = importlib.import_module("faker.providers.person.en_US").Provider
    assert {n.lower() for n in list(us.first_names_female)[:50]} <= lists.first
    assert {n.lower() for n in list(us.last_names)[:50]} <= lists.last
    assert len(lists.first) > 10_000 and len(lists.last) > 10_000
    assert {"the", "and", "of"}.isdisjoint(lists.first | lists.last)
    assert {"will", "may", "june", "germany", "customer"} <= lists.ambiguous


def corpora() -> ModuleType:
    """``benchmarks/pii_corpora.py``, our generator, loaded by path (it is not part of the package)."""
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "pii_corpora.py"
    spec = importlib.util.spec_from_file_location("pii_corpora", path)
    if spec is None or spec.loader is None:
        pytest.skip(f"{path} not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_out_of_list_names_are_in_no_list() -> None:
    lists = name_lists()
    first, last = corpora().out_of_list_names()
    assert len(first) >= 10 and len(last) >= 10
    for name in first + last:
        assert all(part.lower() not in lists.first | lists.last for part in name.split("-"))


def test_precision_and_recall_on_a_held_out_seed() -> None:
    """Seeds 5 and 31 were looked at while writing the rules; seed 47 was not. Measured there: precision
    0.90 (the false positives are companies named after people), recall 0.94 in the lists, 0.57 out."""
    corpus, out_of_list = corpora().name_corpus(800, seed=47)
    found = [find_pii(t, entities=["name"]) for t in corpus.texts]
    score = score_spans(corpus.truth, found, ["name"])["name"]
    assert score.tp >= 500
    assert score.precision >= 0.85
    recall = {}
    for group in (False, True):
        spans = [
            (s, e, pred)
            for gold, flags, pred in zip(corpus.truth, out_of_list, found, strict=True)
            for (_, s, e), flag in zip(gold, flags, strict=True)
            if flag == group
        ]
        recall[group] = sum(any(ps < e and s < pe for _, ps, pe in pred) for s, e, pred in spans) / len(spans)
    assert recall[False] >= 0.88
    assert recall[True] >= 0.45
