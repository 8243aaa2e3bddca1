"""A real Dask LocalCluster of two worker processes, one per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    pytest.importorskip("distributed")
    from labelpact.scale import cluster_client

    with cluster_client(n_workers=2) as c:
        yield c
