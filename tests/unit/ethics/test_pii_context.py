"""Context around a digit run: an assignment (``key=value``, ``key: value``) is no version pin, so phones and
IP addresses in query strings, logs and form dumps are found; a bare digit run alone in a field with no phone
word (a numeric id column) is a guess, not a certain phone number."""

from __future__ import annotations

import random

import pytest

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii import PHONE_SHAPED, find_pii, scan_pii
from labelpact.ethics.reasons import GUESS_BELOW

PHONES = ["4155552671", "415-555-2671", "(415) 555-2671", "+14155552671", "+1 415 555 2671"]
IPS = ["192.168.1.20", "10.0.0.5", "203.0.113.7"]
KEYS = ["phone", "tel", "mobile", "contact_number", "client_ip", "ip", "src", "x", "value"]
FORMS = [
    "{k}={v}",
    "{k} = {v}",
    "{k}: {v}",
    "GET /signup?name=jo&{k}={v}&ok=1",
    "{k}={v} status=200",
    '"{k}": "{v}"',
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("key", KEYS)
def test_a_value_assigned_to_a_key_is_found(form: str, key: str) -> None:
    for value, entity in [
        *((p, "phone") for p in PHONES if not p.isdigit() or "phone" in key),
        *((i, "ip") for i in IPS),
    ]:
        text = form.format(k=key, v=value)
        assert (entity, value) in [(e, text[s:t]) for e, s, t in find_pii(text)], text


@pytest.mark.parametrize(
    "text",
    [
        "Requires-Dist: brotlicffi>=1.2.0.0",
        "pin pkg==10.0.0.5 please",
        "numpy<=1.2.3.4",
        "version=10.2.3.4",
        "firmware: 192.168.1.20",
        "ver. 4155552671",
    ],
)
def test_a_version_pin_or_word_is_still_no_value(text: str) -> None:
    assert find_pii(text) == []


def test_a_numeric_id_column_is_a_guess_and_a_phone_column_is_not() -> None:
    rng = random.Random(0)
    ids = tuple(str(rng.randint(2_000_000_000, 9_999_999_999)) for _ in range(300))
    tasks = tuple(f"t{i}" for i in range(len(ids)))
    report = scan_pii(TaskPayloads(task=tasks, fields={"post_id": ids, "phone_number": ids}), names="off")
    by_field = {
        f: [x.confidence for x in report.findings if x.field == f] for f in ("post_id", "phone_number")
    }
    assert len(by_field["post_id"]) > 100 and set(by_field["post_id"]) == {PHONE_SHAPED}
    assert PHONE_SHAPED < GUESS_BELOW
    assert (
        len(by_field["phone_number"]) == len(by_field["post_id"])
        and min(by_field["phone_number"]) >= GUESS_BELOW
    )


def test_a_bare_run_after_a_phone_word_or_written_as_a_phone_stays_certain() -> None:
    values = ("call 4155552671", "415-555-2671", "(415) 555-2671", "4155552671")
    report = scan_pii(TaskPayloads(task=("a", "b", "c", "d"), fields={"text": values}), names="off")
    assert [(f.task, f.confidence >= GUESS_BELOW) for f in report.findings] == [
        ("a", True),
        ("b", True),
        ("c", True),
        ("d", False),
    ]
