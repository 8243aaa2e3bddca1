from __future__ import annotations

import pytest

from labelpact.core.annotations import TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.provenance import KNOWN_SPDX, normalize_license, vet_provenance
from labelpact.ethics.spdx import _key


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("CC BY 4.0", "CC-BY-4.0"),
        ("cc-by-sa 4.0", "CC-BY-SA-4.0"),
        ("Creative Commons Attribution-NonCommercial 4.0 International", "CC-BY-NC-4.0"),
        ("apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("BSD 3-Clause", "BSD-3-Clause"),
        ("GPLv3", "GPL-3.0-only"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("CC0", "CC0-1.0"),
        ("cc zero 1.0", "CC0-1.0"),
        ("ODbL", "ODbL-1.0"),
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("LicenseRef-InternalCorpus", "LicenseRef-InternalCorpus"),
        ("proprietary", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_license(text: str | None, spdx: str | None) -> None:
    assert normalize_license(text) == spdx


def test_every_known_id_normalises_to_itself_without_collisions() -> None:
    assert all(normalize_license(spdx) == spdx for spdx in KNOWN_SPDX)
    assert len({_key(spdx) for spdx in KNOWN_SPDX}) == len(KNOWN_SPDX)


def payloads() -> TaskPayloads:
    return TaskPayloads(
        task=("t1", "t2", "t3", "t4", "t5", "t6", "t7"),
        fields={
            "source": ("wiki", "wiki", "forum", "news", None, "blog", "blog"),
            "license": ("CC BY-SA 4.0", "cc-by-sa-4.0", None, "all rights reserved", None, "MIT", "CC0"),
        },
    )


def test_every_finding_kind_on_a_hand_made_batch() -> None:
    report = vet_provenance(
        payloads(), allowed=["CC-BY-SA-4.0", "cc0", "MIT"], manifest={"forum": "CC BY-NC 4.0", "books": None}
    )
    found = {(f.kind, f.source): f for f in report.findings}
    assert set(found) == {
        ("disallowed", "forum"),  # licence from the manifest, readable, not allowed
        ("unknown", "news"),
        ("missing", None),  # t5: neither source nor licence
        ("missing", "books"),  # manifest source without a licence, no task names it
        ("conflicting", "blog"),  # MIT on t6, CC0 on t7: both allowed, yet not the same
    }
    assert found[("disallowed", "forum")].spdx == "CC-BY-NC-4.0"
    assert found[("disallowed", "forum")].tasks == ("t3",)
    assert found[("unknown", "news")].license == "all rights reserved"
    assert found[("missing", None)].tasks == ("t5",)
    assert found[("missing", "books")].tasks == ()
    assert found[("conflicting", "blog")].tasks == ("t6", "t7")
    assert report.allowed == ("CC-BY-SA-4.0", "CC0-1.0", "MIT")
    assert report.by_license["CC-BY-SA-4.0"] == ("wiki",)
    assert report.tasks_by_license["CC-BY-SA-4.0"] == 2  # two spellings, one licence
    assert report.tasks_by_license["missing"] == 1
    assert report.by_license["unknown:all rights reserved"] == ("news",)
    assert report.to_dict()["findings"][0]["n_tasks"] == len(report.findings[0].tasks)


def test_a_clean_batch_has_no_findings() -> None:
    clean = TaskPayloads(
        task=("a", "b"), fields={"source": ("wiki", "wiki"), "license": ("CC-BY-4.0", "CC BY 4.0")}
    )
    assert vet_provenance(clean, allowed=["CC-BY-4.0"]).findings == ()


def test_manifest_alone_is_vetted() -> None:
    report = vet_provenance(None, allowed=["MIT"], manifest={"crawl": "GPL-3.0-only", "docs": "MIT"})
    assert [(f.kind, f.source) for f in report.findings] == [("disallowed", "crawl")]


def test_an_unreadable_allow_list_is_bad_input() -> None:
    with pytest.raises(InvalidInputError, match=r"allowed_licenses.*'free for research'"):
        vet_provenance(payloads(), allowed=["MIT", "free for research"])
