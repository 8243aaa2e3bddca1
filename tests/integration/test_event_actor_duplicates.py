"""The same fact entered with its actor typed in another case or spacing is one event (hunt_risk finding 4:
"Rival Corp", "rival corp" and "RIVAL  CORP" were stored three times, and the stake counted three times)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from labelpact.config import load_settings
from labelpact.services.events import list_events, record_event
from labelpact.services.workspace import add_partner, set_client
from labelpact.store import Store


def test_an_actor_spelled_otherwise_is_the_same_event(tmp_path: Path) -> None:
    with Store.open(load_settings({}, workspace=tmp_path / "ws")) as store:
        set_client(store, "Lab", rivals=["Rival Corp"])
        add_partner(store, "V", since=dt.date(2024, 1, 1))
        day = dt.date(2025, 3, 1)
        first = record_event(store, "V", kind="investment", date=day, actor="Rival Corp", magnitude=0.3)
        for spelled in ("rival corp", "RIVAL  CORP", " Rival Corp "):
            again = record_event(store, "V", kind="investment", date=day, actor=spelled, magnitude=0.3)
            assert not again.created and again.event.id == first.event.id
        assert [e.event.actor for e in list_events(store, "V")] == ["Rival Corp"]
        other = record_event(store, "V", kind="investment", date=day, actor="Other Corp", magnitude=0.3)
        assert other.created  # another actor is another fact
