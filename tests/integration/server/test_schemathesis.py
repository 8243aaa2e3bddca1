"""Schemathesis against /openapi.json of a real server on loopback: no 5xx, and every response matches the
schema (status codes declared, JSON content, documents of the declared shape). Examples are bounded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import Live, backend_settings, serving
from .seed import seed

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("schemathesis")
    with backend_settings("sqlite", Path(root) / "ws") as workspace:
        seeded = seed(workspace, Path(root) / "incoming")
        with serving(workspace) as url:
            yield Live(url=url, seeded=seeded)


@pytest.fixture(scope="module")
def api_schema(served: Live) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{served.url}/openapi.json")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _runner(operation: Any, served: Live, headers: dict[str, str], calls: list[str]) -> Callable[[], None]:
    """The bounded Hypothesis run of one operation's generated cases."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: schemathesis.Case) -> None:
        calls.append(operation.label)
        case.call_and_validate(base_url=served.url, headers=headers, checks=CHECKS)

    return run


def _fuzz(api_schema: schemathesis.BaseSchema, served: Live, role: str) -> list[str]:
    """Run every operation's bounded examples (schemathesis' pytest loader does not run on pytest 9: the
    strategies are driven here by Hypothesis directly); one line per failing operation."""
    headers = {"Authorization": f"Bearer {served.seeded.keys[role]}"}
    failures: list[str] = []
    calls: list[str] = []
    operations = [found.ok() for found in api_schema.get_all_operations()]
    for operation in operations:
        try:
            _runner(operation, served, headers, calls)()
        except Exception as error:  # one line per operation, so every operation is tried
            failures.append(f"{operation.label}: {str(error).strip().splitlines()[0:3]}")
    tried = set(calls)
    if len(tried) != len(operations) or len(calls) < 3 * len(tried):  # every operation, several times each
        failures.append(f"only {len(calls)} calls to {len(tried)} operations")
    return failures


@pytest.mark.slow
def test_the_api_keeps_its_schema_for_the_client(api_schema: schemathesis.BaseSchema, served: Live) -> None:
    """As the client, who sees everything."""
    assert _fuzz(api_schema, served, "client") == []


@pytest.mark.slow
def test_the_api_keeps_its_schema_for_a_partner(api_schema: schemathesis.BaseSchema, served: Live) -> None:
    """As a partner, who sees its own objects and is refused the rest."""
    assert _fuzz(api_schema, served, "acme") == []
