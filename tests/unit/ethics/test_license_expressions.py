"""SPDX licence expressions: OR allowed when a branch is, AND disallowed when a part is, unknown parts unknown."""

from __future__ import annotations

import pytest

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.provenance import license_status, normalize_license, spdx_id, vet_provenance

ALLOWED = ("MIT", "Apache-2.0")


@pytest.mark.parametrize(
    ("text", "spdx", "status"),
    [
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0", "allowed"),
        ("(MIT OR Apache-2.0)", "MIT OR Apache-2.0", "allowed"),
        ("mit or apache 2.0", "MIT OR Apache-2.0", "allowed"),
        ("CC-BY-NC-4.0 OR MIT", "CC-BY-NC-4.0 OR MIT", "allowed"),
        ("CC-BY-NC-4.0 AND MIT", "CC-BY-NC-4.0 AND MIT", "disallowed"),
        ("MIT AND Apache-2.0", "MIT AND Apache-2.0", "allowed"),
        ("MIT AND (Apache-2.0 OR GPL-3.0-only)", "MIT AND (Apache-2.0 OR GPL-3.0-only)", "allowed"),
        ("(MIT AND GPL-3.0-only) OR CC0-1.0", "(MIT AND GPL-3.0-only) OR CC0-1.0", "disallowed"),
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception", "allowed"),
        ("The MIT License (MIT)", "MIT", "allowed"),
        ("The MIT License (MIT) OR Apache-2.0", "MIT OR Apache-2.0", "allowed"),
        ("GNU General Public License v3.0 or later", "GPL-3.0-or-later", "disallowed"),
        ("Foo Licence OR MIT", None, "allowed"),  # one allowed branch is enough
        ("Foo Licence AND CC-BY-NC-4.0", None, "disallowed"),  # one disallowed part is enough
        ("Foo Licence AND MIT", None, "unknown"),
        ("MIT OR", None, "unknown"),  # malformed: one licence we cannot read
        ("MIT (with exceptions)", None, "unknown"),
    ],
)
def test_expressions_and_spellings(text: str, spdx: str | None, status: str) -> None:
    assert normalize_license(text) == spdx
    assert license_status(text, ALLOWED) == status


def test_an_allow_list_entry_is_one_id_never_an_expression() -> None:
    assert spdx_id("The MIT License (MIT)") == "MIT"
    assert spdx_id("MIT OR Apache-2.0") is None


def test_a_disallowed_licence_inside_an_and_is_a_disallowed_finding() -> None:
    payloads = TaskPayloads(
        task=("s1", "s2", "s3", "s4"),
        fields={
            "source": ("a", "b", "c", "d"),
            "license": ("MIT OR Apache-2.0", "CC-BY-NC-4.0 AND MIT", "The MIT License (MIT)", "Foo AND MIT"),
        },
    )
    report = vet_provenance(payloads, allowed=ALLOWED)
    assert [(f.kind, f.source, f.spdx) for f in report.findings] == [
        ("disallowed", "b", "CC-BY-NC-4.0 AND MIT"),
        ("unknown", "d", None),
    ]
    assert report.status_by_license == {
        "MIT OR Apache-2.0": "allowed",
        "CC-BY-NC-4.0 AND MIT": "disallowed",
        "MIT": "allowed",
        "unknown:Foo AND MIT": "unknown",
    }
