from __future__ import annotations

from pathlib import Path

import pytest

from labelpact.contracts.contract import CLAUSES, Contract, parse_contract
from labelpact.errors import InvalidInputError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "contracts"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_examples_parse(path: Path) -> None:
    contract = parse_contract(path.read_text(), source=path.name)
    assert contract.given  # an example that sets nothing teaches nothing


def test_values_defaults_and_hash() -> None:
    text = '[labels]\nclasses = ["no", "yes"]\n[quality]\nmin_gold_accuracy = 0.9\n'
    contract = parse_contract(text)
    assert contract.classes == ("no", "yes")
    assert contract.quality.min_gold_accuracy == 0.9
    assert contract.acceptance.aql == 1.0  # default
    assert contract.method == "auto"
    assert contract.given == frozenset({"labels.classes", "quality.min_gold_accuracy"})
    assert contract.sha256 == parse_contract(text).sha256 != parse_contract(text + "\n").sha256


def test_default_contract_has_no_thresholds() -> None:
    default = Contract.default()
    assert default.quality.min_gold_accuracy is None
    assert default.personal_data == "reject"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "[quality]\nmin_gold_accuracy = 1.5\n",
            ["c.toml, line 2, key 'quality.min_gold_accuracy'", "between 0 and 1", "1.5"],
        ),
        (
            "[quality]\n\nmin_gold_acuracy = 0.9\n",
            ["line 3", "unknown key", "did you mean 'min_gold_accuracy'"],
        ),
        ('[labels]\nclasses = "a,b"\n', ["key 'labels.classes'", "list of non-blank strings"]),
        ('[labels]\nclasses = ["a"]\n', ["at least two classes"]),
        ('[labels]\nclasses = ["a", "a"]\n', ["without repeats"]),
        ("[qualty]\nx = 1\n", ["line 1", "section 'qualty'", "unknown section", "did you mean 'quality'"]),
        ("quality = 3\n", ["section 'quality'", "a value, not a [section] table"]),
        ("[quality\n", ["line 1", "valid TOML"]),
        ('[data]\npersonal_data = "maybe"\n', ["one of ['reject', 'review', 'allow']"]),
        ('[quality]\nmethod = "best"\n', ["key 'quality.method'", "'ds'"]),
        ("[quality]\nmin_agreement = true\n", ["a number", "True"]),
        ("[labels]\nordered = 1\n", ["true or false"]),
        ('[ethics]\nblock_on = ["pii", "vibes"]\n', ["'vibes'"]),
        ("[acceptance]\naql = nan\n", ["between"]),
    ],
)
def test_bad_contracts_name_key_and_line(text: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_contract(text, source="c.toml")
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_every_clause_is_documented_and_has_a_valid_default() -> None:
    names = [c.name for c in CLAUSES]
    assert len(names) == len(set(names))
    for clause in CLAUSES:
        assert clause.doc
        if clause.kind == "float" and clause.default is not None:
            assert clause.low is not None and clause.high is not None
            assert clause.low <= clause.default <= clause.high


def test_typed_sections_hold_the_parsed_values() -> None:
    contract = parse_contract('[quality]\nmax_error_rate = 0.05\n[pay]\ncurrency = "EUR"\n')
    assert contract.quality.max_error_rate == 0.05 and contract.pay.currency == "EUR"
    assert contract.acceptance.aql == 1.0 and contract.ethics.block_on == ("pii", "disallowed_license")
    assert list(contract.values) == [c.name for c in CLAUSES]  # every clause, in the table's order
    assert contract.values["quality.max_error_rate"] == 0.05
    with pytest.raises(AttributeError):
        contract.quality.max_eror_rate  # type: ignore[attr-defined]  # noqa: B018


def test_the_sections_are_checked_against_the_clause_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from labelpact.contracts import clauses

    clauses.check_sections()  # the shipped sections match
    drifted = (*clauses.CLAUSES[:-1], clauses.Clause("allocation", "max_share", "float", 0.5, "x", 0.0, 1.0))
    monkeypatch.setattr(clauses, "CLAUSES", drifted)
    with pytest.raises(TypeError, match=r"allocation\.max_share: default"):
        clauses.check_sections()
    monkeypatch.setattr(
        clauses, "CLAUSES", (*drifted[:-1], clauses.Clause("allocation", "cap", "float", None, "x"))
    )
    with pytest.raises(TypeError, match="differ from the clause table"):
        clauses.check_sections()


def test_one_method_registry_for_the_contract_and_the_aggregators() -> None:
    from labelpact.contracts.clauses import CLAUSES as TABLE
    from labelpact.core.aggregators import (
        ACCEPTED_METHODS,
        ALIASES,
        EBCC,
        METHOD_NAMES,
        METHODS,
        canonical_method,
    )

    method = next(c for c in TABLE if c.name == "quality.method")
    assert method.choices == ACCEPTED_METHODS and set(METHODS) == set(ACCEPTED_METHODS)
    assert set(ALIASES) & set(METHOD_NAMES) == set() and set(ALIASES.values()) <= set(METHOD_NAMES)
    assert parse_contract('[quality]\nmethod = "bcc"\n').method == "bcc"  # the CLI's alias, stated once
    assert METHODS["bcc"] is EBCC and canonical_method("bcc") == "ebcc" and canonical_method("ds") == "ds"
    with pytest.raises(InvalidInputError, match="'best'"):
        canonical_method("best")


def test_a_contract_equals_its_defaults_when_the_text_sets_nothing() -> None:
    assert Contract.default() == Contract(source="<default contract>")
    assert Contract.default().given == frozenset()


@pytest.mark.parametrize(
    ("text", "line", "key", "expected"),
    [
        ("quality.min_agreement = 7\n", 1, "quality.min_agreement", "a number between -1 and 1"),
        ("# dotted\n[quality]\nx.y = 1\n", 3, "quality.x", "a key of [quality]"),
        ('\n[labels]\nclasses = [" pos", "neg"]\n', 3, "labels.classes", "class names without spaces"),
        ('[pay]\ncurrency = "dollars"\n', 2, "pay.currency", "an ISO 4217 currency code"),
        ("[allocation]\nmax_share = 0\n", 2, "allocation.max_share", "a share above 0"),
        (
            '[data]\npersonal_data = "allow"\n[ethics]\nblock_on = ["pii"]\n',
            4,
            "ethics.block_on",
            "no 'pii' here when [data] personal_data = 'allow'",
        ),
    ],
)
def test_values_no_delivery_could_honour_name_their_line_and_key(
    text: str, line: int, key: str, expected: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_contract(text, source="c.toml")
    assert (caught.value.row, caught.value.column) == (line, key)
    assert f"c.toml, line {line}, key {key!r}: expected {expected}" in str(caught.value)


def test_personal_data_review_with_the_default_blockers_still_parses() -> None:
    contract = parse_contract('[data]\npersonal_data = "review"\n[pay]\ncurrency = "EUR"\n')
    assert contract.personal_data == "review" and contract.pay.currency == "EUR"
