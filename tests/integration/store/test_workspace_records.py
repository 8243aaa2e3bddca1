"""Client, partners and projects: round-trips through the database, and the messages of what goes wrong."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from labelpact.config import Settings
from labelpact.errors import ConflictError, InvalidInputError, NotFoundError
from labelpact.store import ClientRecord, PartnerRecord, ProjectRecord, Store


def test_the_client_profile_is_one_row_that_setting_again_replaces(store: Store, settings: Settings) -> None:
    assert store.get_client() is None
    first = store.set_client("Meta", ["Google", "OpenAI"])
    second = store.set_client("Meta Platforms", ["xAI"])
    with Store.open(settings) as reopened:
        got = reopened.get_client()
    assert isinstance(got, ClientRecord)
    assert (got.name, got.rivals) == ("Meta Platforms", ("xAI",))
    assert got.created_at == first.created_at < second.updated_at == got.updated_at
    assert got.created_at.tzinfo is UTC


def test_partners_round_trip_with_every_field(store: Store, settings: Settings) -> None:
    contract = '[quality]\nmin_gold_accuracy = 0.9\n# "quoted" and ünïcode\n'
    added = store.add_partner(
        "Scale", since=date(2024, 3, 1), equity_stake=0.49, min_spend_usd=250_000.5, contract_toml=contract
    )
    store.add_partner("Surge")
    with Store.open(settings) as reopened:
        got = reopened.get_partner("Scale")
        names = [p.name for p in reopened.list_partners()]
    assert got == added
    assert (got.since, got.equity_stake, got.min_spend_usd, got.contract_toml) == (
        date(2024, 3, 1),
        0.49,
        250_000.5,
        contract,
    )
    assert names == ["Scale", "Surge"]
    assert abs((datetime.now(UTC) - got.created_at).total_seconds()) < 60


def test_records_are_frozen_dataclasses_not_orm_objects(store: Store) -> None:
    record = store.add_partner("Scale")
    assert type(record) is PartnerRecord
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "Other"  # type: ignore[misc]


def test_an_unknown_partner_names_the_known_ones_and_the_nearest(store: Store) -> None:
    store.add_partner("Surge")
    store.add_partner("Scale")
    with pytest.raises(NotFoundError) as caught:
        store.get_partner("Scael")
    assert str(caught.value) == "unknown partner 'Scael'; known partners: Scale, Surge; did you mean 'Scale'?"


def test_partner_names_are_case_sensitive_but_the_suggestion_is_not(store: Store) -> None:
    store.add_partner("Scale")
    store.add_partner("scale", allow_lookalike=True)  # a different partner: names are compared exactly
    with pytest.raises(NotFoundError, match=r"known partners: Scale, scale; did you mean"):
        store.get_partner("SCALE")


def test_an_unknown_partner_in_an_empty_workspace_says_there_are_none(store: Store) -> None:
    with pytest.raises(NotFoundError, match=r"^unknown partner 'Scale'; known partners: none yet$"):
        store.get_partner("Scale")


def test_a_partner_name_twice_is_a_conflict_that_changes_nothing(store: Store, take_snapshot: object) -> None:
    store.add_partner("Scale", equity_stake=0.1)
    before = take_snapshot()  # type: ignore[operator]
    with pytest.raises(ConflictError, match="partner 'Scale' already exists"):
        store.add_partner("Scale", equity_stake=0.2)
    assert take_snapshot() == before  # type: ignore[operator]


@pytest.mark.parametrize("stake", [-0.01, 1.01, float("nan")])
def test_an_equity_stake_outside_0_to_1_is_invalid_input(store: Store, stake: float) -> None:
    with pytest.raises(InvalidInputError, match="equity stake between 0 and 1"):
        store.add_partner("Scale", equity_stake=stake)
    assert store.list_partners() == []


def test_stakes_at_the_bounds_are_accepted(store: Store) -> None:
    assert store.add_partner("A", equity_stake=0.0).equity_stake == 0.0
    assert store.add_partner("B", equity_stake=1.0).equity_stake == 1.0


def test_projects_round_trip_and_conflict(store: Store) -> None:
    added = store.add_project("sentiment", description="Review sentiment, 3 classes")
    assert added == ProjectRecord("sentiment", "Review sentiment, 3 classes", added.created_at, 0)
    assert store.get_project("sentiment") == added
    store.add_project("ner")
    assert [p.name for p in store.list_projects()] == ["ner", "sentiment"]
    with pytest.raises(ConflictError, match="project 'ner' already exists"):
        store.add_project("ner")
    with pytest.raises(
        NotFoundError,
        match=r"^unknown project 'sentimnet'; known projects: ner, sentiment; did you mean 'sentiment'",
    ):
        store.get_project("sentimnet")


def test_blank_names_are_invalid_input(store: Store) -> None:
    with pytest.raises(InvalidInputError):
        store.add_partner("  ")
    with pytest.raises(InvalidInputError):
        store.add_project("")
