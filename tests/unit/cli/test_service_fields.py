"""Services name the field a bad value came in, never a CLI flag; the CLI shows the flag (test_fields_format_progress)."""

from __future__ import annotations

from typing import Any

import pytest

from labelpact.errors import InvalidInputError
from labelpact.services.ethics import check_phone_regions
from labelpact.services.workspace import add_partner, check_client_input, check_partner_input, set_client

_NO_STORE: Any = None  # each check below fails before a store is touched


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: set_client(_NO_STORE, "Lab", rivals=["Lab"]), "rivals"),
        (lambda: set_client(_NO_STORE, "  "), "name"),
        (lambda: add_partner(_NO_STORE, "Acme", equity_stake=2.0), "equity_stake"),
        (lambda: add_partner(_NO_STORE, "Acme", min_spend_usd=-1.0), "min_spend_usd"),
        (lambda: check_client_input("Lab", ["ok", "bad\x07"]), "rivals"),
        (lambda: check_partner_input(""), "name"),
        (lambda: check_phone_regions(["XX"]), "phone_region"),
    ],
)
def test_a_service_error_names_the_field(call: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert (caught.value.column, caught.value.column_kind) == (field, "field")
    assert "--" not in str(caught.value)
