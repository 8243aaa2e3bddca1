"""Uploaded files are read by their extension and named in errors as the caller sent them."""

from __future__ import annotations

import pytest

from .conftest import Live


@pytest.mark.parametrize("name", ["ラベル.csv", "отчёт.csv", "標註.數據.csv"])
def test_a_file_named_in_another_script_is_read_by_its_extension(live: Live, name: str) -> None:
    """Before, making the name safe for a path dropped every letter and the dot with them: ``ラベル.csv`` was
    staged as ``csv``, a file of no extension, and refused."""
    with live.client("acme") as client:
        response = client.post(
            "/api/v1/batches", files={"file": (name, live.seeded.fresh_bytes())}, data={"project": "p"}
        )
    assert response.status_code == 201, response.text
    assert response.json()["n_tasks"] == 30
