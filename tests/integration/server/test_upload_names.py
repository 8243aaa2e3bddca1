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


def test_an_error_in_the_tasks_file_names_it_as_sent_and_says_it_is_the_tasks_file(live: Live) -> None:
    """Before, a tasks file of the labels file's name was staged as ``tasks-delivery.csv`` and named so."""
    with live.client("acme") as client:
        response = client.post(
            "/api/v1/batches",
            files={
                "file": ("a/delivery.csv", live.seeded.fresh_bytes()),
                "tasks": ("b/delivery.csv", b"foo,bar\n1,2\n"),
            },
            data={"project": "p"},
        )
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("delivery.csv (tasks file), line 1"), message
    assert "tasks-" not in message


def test_an_error_in_a_file_named_in_another_script_names_it_as_sent(live: Live) -> None:
    with live.client("acme") as client:
        response = client.post(
            "/api/v1/batches", files={"file": ("ラベル.csv", b"task,worker\nt1,w1\n")}, data={"project": "p"}
        )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("ラベル.csv, line 1, column 'label'")
