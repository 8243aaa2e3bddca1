"""An allowed licence that names no licence we know is refused when the contract is read, at its line."""

from __future__ import annotations

import pytest

from labelpact.contracts.contract import parse_contract
from labelpact.errors import InvalidInputError


def test_an_unreadable_allowed_licence_names_the_file_line_and_key() -> None:
    text = '[quality]\nmethod = "ds"\n\n[data]\nallowed_licenses = ["MIT", "CC-BY"]\n'
    with pytest.raises(InvalidInputError) as raised:
        parse_contract(text, source="bad1.toml")
    assert str(raised.value).startswith(
        "bad1.toml, line 5, key 'data.allowed_licenses': expected SPDX licence ids"
    )
    assert str(raised.value).endswith("got 'CC-BY'")


def test_ids_and_licence_names_are_accepted_as_written() -> None:
    text = '[data]\nallowed_licenses = ["MIT", "CC BY 4.0", "The MIT License (MIT)", "LicenseRef-Ours"]\n'
    contract = parse_contract(text, source="ok.toml")
    assert contract.data.allowed_licenses == ("MIT", "CC BY 4.0", "The MIT License (MIT)", "LicenseRef-Ours")
