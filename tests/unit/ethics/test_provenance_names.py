"""Licence columns and licence names as people write them: a ``licence`` or ``License`` column is the licence
column; official titles, platform names and canonical URLs of CC0-1.0 and CC-BY-4.0 are read as those ids,
and a generic "(Public Domain)" after an explicit id never makes it another licence."""

from __future__ import annotations

import pytest

from labelpact.contracts.contract import Contract
from labelpact.core.annotations import TaskPayloads
from labelpact.ethics import EthicsReport
from labelpact.ethics.findings import ethics_findings
from labelpact.ethics.provenance import license_status, provenance_columns, spdx_id, vet_provenance

ALLOWED = ("CC-BY-4.0", "CC0-1.0")


@pytest.mark.parametrize("column", ["license", "licence", "License", "LICENCE", "Licenses", "licences"])
def test_a_licence_column_is_found_whatever_its_spelling(column: str) -> None:
    payloads = TaskPayloads(
        task=("t1", "t2"),
        fields={"text": ("a", "b"), "Source": ("web", "wiki"), column: ("MIT", "CC-BY-4.0")},
    )
    report = vet_provenance(payloads, allowed=("MIT", "CC-BY-4.0"))
    assert report.findings == () and dict(report.tasks_by_license) == {"MIT": 1, "CC-BY-4.0": 1}
    assert provenance_columns(list(payloads.fields)) == ("Source", column)


def test_an_exact_column_wins_over_an_alias() -> None:
    assert provenance_columns(["licence", "license"]) == (None, "license")
    assert provenance_columns(["Source", "source"]) == ("source", None)


def test_no_licence_column_is_said_with_the_columns_there_are() -> None:
    payloads = TaskPayloads(task=("t1",), fields={"text": ("a",), "source": ("web",), "rights": ("MIT",)})
    report = vet_provenance(payloads, allowed=("MIT",))
    assert report.license_column is None
    (finding,) = ethics_findings(EthicsReport(provenance=report), Contract.default())
    assert "no license column (their columns: text, source, rights)" in finding.detail
    assert "Add a license column" in finding.action


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("CC0: Public Domain", "CC0-1.0"),
        ("CC0 1.0 Universal", "CC0-1.0"),
        ("Creative Commons Zero v1.0 Universal", "CC0-1.0"),
        ("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
        ("CC0 1.0 Universal (Public Domain Dedication)", "CC0-1.0"),
        ("CC0-1.0 Universal (Public Domain)", "CC0-1.0"),
        ("Creative Commons Attribution 4.0 International Public License", "CC-BY-4.0"),
        ("Creative Commons Attribution-ShareAlike 4.0 International Public License", "CC-BY-SA-4.0"),
        ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("http://creativecommons.org/licenses/by-nc-sa/4.0/legalcode", "CC-BY-NC-SA-4.0"),
        ("https://creativecommons.org/licenses/by/4.0/deed.en", "CC-BY-4.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://spdx.org/licenses/Apache-2.0.html", "Apache-2.0"),
        ("https://opensource.org/licenses/MIT", "MIT"),
        ("Mozilla Public License 2.0", "MPL-2.0"),
        ("GNU General Public License v3.0 or later", "GPL-3.0-or-later"),
        ("Public Domain", "CC-PDDC"),
    ],
)
def test_official_and_platform_names_are_read(text: str, spdx: str) -> None:
    assert spdx_id(text) == spdx


@pytest.mark.parametrize(
    "text",
    [
        "CC-BY-4.0 data (Public Domain)",  # an explicit id, then a different generic one: not readable
        "https://creativecommons.org/licenses/by/3.0/de/",  # a ported licence: another SPDX id
        "https://example.org/licenses/MIT",
    ],
)
def test_a_clash_or_a_port_is_unknown_not_disallowed(text: str) -> None:
    assert spdx_id(text) is None
    assert license_status(text, ALLOWED) == "unknown"
