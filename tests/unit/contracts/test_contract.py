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
    assert contract["quality.min_gold_accuracy"] == 0.9
    assert contract["acceptance.aql"] == 1.0  # default
    assert contract.method == "auto"
    assert contract.given == frozenset({"labels.classes", "quality.min_gold_accuracy"})
    assert contract.sha256 == parse_contract(text).sha256 != parse_contract(text + "\n").sha256


def test_default_contract_has_no_thresholds() -> None:
    default = Contract.default()
    assert default["quality.min_gold_accuracy"] is None
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
        ("[qualty]\nx = 1\n", ["line 1", "section 'qualty'", "unknown section"]),
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
