"""A stored contract that an older labelpact accepted is read leniently, with a warning per value read otherwise;
a contract given now stays strict."""

from __future__ import annotations

import hashlib
import warnings

import pytest

from labelpact.contracts.contract import parse_contract
from labelpact.contracts.stored import audit_contract, partner_contract, read_stored_contract
from labelpact.errors import InvalidInputError, StoredContractWarning

LEGACY = '[acceptance]\naql = 15.0\n\n[pay]\nprice_per_label = 0.1\ncurrency = "usd"\n'


def _heard(call: object) -> tuple[object, list[str]]:
    """What ``call()`` returns and the stored-contract warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()  # type: ignore[operator]
    return value, [str(w.message) for w in caught if w.category is StoredContractWarning]


def test_a_lower_case_currency_is_normalised_and_a_refused_aql_is_the_default() -> None:
    contract, heard = _heard(lambda: partner_contract("Legacy", LEGACY))
    assert contract.pay.currency == "USD" and contract.pay.price_per_label == 0.1
    assert contract.acceptance.aql == parse_contract("").acceptance.aql
    assert (
        contract.sha256 == hashlib.sha256(LEGACY.encode()).hexdigest()
    )  # the stored text's hash, as audits cite
    assert len(heard) == 2
    aql, currency = heard
    assert aql.startswith("contract of Legacy, key 'acceptance.aql': this version refuses the stored 15.0")
    assert "read as the default 1.0" in aql and "--contract FILE" in aql
    assert "stored 'usd'" in currency and "read as 'USD'" in currency
    assert all("\n" not in line for line in heard)


def test_a_contract_given_now_stays_strict() -> None:
    with pytest.raises(InvalidInputError, match=r"pay\.currency"):
        parse_contract(LEGACY.replace("aql = 15.0", "aql = 1.0"), source="given.toml")


def test_an_accepted_contract_is_read_as_given_without_a_warning() -> None:
    text = '[quality]\nmethod = "ds"\n[pay]\ncurrency = "EUR"\n'
    contract, heard = _heard(lambda: audit_contract("a3", text))
    assert heard == [] and contract == parse_contract(text, source="contract of audit a3")


@pytest.mark.parametrize(
    ("text", "key", "check"),
    [
        ("[allocation]\nmax_share = 0\n", "allocation.max_share", lambda c: c.allocation.max_share is None),
        (
            '[data]\nallowed_licenses = ["MIT", " ", "CC-BY"]\n',
            "data.allowed_licenses",
            lambda c: c.data.allowed_licenses == ("MIT",),
        ),
        (
            '[data]\nallowed_licenses = [""]\n',
            "data.allowed_licenses",
            lambda c: c.data.allowed_licenses is None,
        ),
        (
            '[labels]\nclasses = ["cat ", "dog", "cat"]\n',
            "labels.classes",
            lambda c: c.labels.classes == ("cat", "dog"),
        ),
        ('[labels]\nclasses = ["cat", " "]\n', "labels.classes", lambda c: c.labels.classes is None),
        (
            "[quality]\nmin_agreement = 0.5\nflavour = 1\n",
            "quality.flavour",
            lambda c: c.quality.min_agreement == 0.5,
        ),
        ('[extras]\nnote = "x"\n', "extras", lambda c: True),
        (
            '[data]\npersonal_data = "allow"\n[ethics]\nblock_on = ["pii"]\n',
            "ethics.block_on",
            lambda c: c.data.personal_data == "allow" and "ethics.block_on" not in c.given,
        ),
    ],
)
def test_each_refused_value_is_read_otherwise_and_named(text: str, key: str, check: object) -> None:
    with pytest.raises(InvalidInputError):
        parse_contract(text)
    contract, readings = read_stored_contract(text, source="contract of Old")
    assert [r.key for r in readings] == [key]
    assert check(contract)  # type: ignore[operator]


def test_text_that_is_no_longer_toml_is_read_as_the_defaults_with_one_warning() -> None:
    contract, heard = _heard(lambda: partner_contract("Old", "[pay\ncurrency = 'USD'\n"))
    assert contract.values == parse_contract("").values
    assert (
        len(heard) == 1 and "contract of Old, the text" in heard[0] and "every clause's default" in heard[0]
    )
