"""Where a name or phone span starts: a pronoun contraction before a name ("I'm", "It's") is not part of it,
and a phone span that holds a ")" starts at its "("."""

from __future__ import annotations

import pytest

from labelpact.ethics.pii import find_pii, redact_pii
from labelpact.ethics.pii.names import find_names, name_lists_source

needs_lists = pytest.mark.skipif(name_lists_source() is None, reason="the name lists need faker")


@needs_lists
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, I'm Maria Okafor, nice to meet you", "Maria Okafor"),
        ("Hello, I’m Grace Hopper", "Grace Hopper"),
        ("Thanks! I'm John Smith from sales", "John Smith"),
        ("Hi, It's Anna Schmidt here", "Anna Schmidt"),
    ],
)
def test_a_pronoun_contraction_is_not_part_of_the_name(text: str, name: str) -> None:
    assert [text[s:e] for s, e, _ in find_names(text)] == [name]


@pytest.mark.parametrize(
    ("text", "value", "masked"),
    [
        ("ring (+44) 20 7946 0958 today", "(+44) 20 7946 0958", "ring (+**) ** **** **58 today"),
        ("call (415) 555-2671", "(415) 555-2671", "call (***) ***-**71"),
        ("(tel 415-555-2671)", "415-555-2671", "(tel ***-***-**71)"),
    ],
)
def test_a_phone_span_takes_its_opening_parenthesis(text: str, value: str, masked: str) -> None:
    assert [text[s:e] for _, s, e in find_pii(text, entities=["phone"])] == [value]
    assert redact_pii(text) == masked
