"""Truth inference: one module per method, one registry to create them by name.

``create("ds", max_iter=50)`` builds a method; ``METHODS`` maps every accepted name to its class.
"""

from __future__ import annotations

from typing import Any

from labelpact.core.aggregators.auto import Auto
from labelpact.core.aggregators.base import Aggregator
from labelpact.core.aggregators.dawid_skene import DawidSkene, OneCoinDawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE
from labelpact.core.aggregators.majority_vote import MajorityVote, Wawa
from labelpact.errors import InvalidInputError

__all__ = [
    "EBCC",
    "GLAD",
    "MACE",
    "METHODS",
    "Aggregator",
    "Auto",
    "DawidSkene",
    "MajorityVote",
    "OneCoinDawidSkene",
    "Wawa",
    "create",
]

METHODS: dict[str, type[Aggregator]] = {
    "auto": Auto,
    "bcc": EBCC,
    "ds": DawidSkene,
    "ebcc": EBCC,
    "glad": GLAD,
    "mace": MACE,
    "mv": MajorityVote,
    "one-coin-ds": OneCoinDawidSkene,
    "wawa": Wawa,
}


def create(method: str, **params: Any) -> Aggregator:
    """A new, unfitted method by registry name; ``params`` go to its constructor."""
    try:
        cls = METHODS[method]
    except KeyError:
        raise InvalidInputError(
            f"a method among {sorted(METHODS)}", column="method", got=repr(method)
        ) from None
    try:
        return cls(**params)
    except TypeError as error:
        raise InvalidInputError(f"parameters of {cls.__name__}", got=str(error)) from None
