"""Truth inference: one module per method, one registry to create them by name.

``create("ds", max_iter=50)`` builds a method; ``METHODS`` maps every accepted name (``METHOD_NAMES``
and the ``ALIASES``) to its class.
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
from labelpact.core.aggregators.minimax_entropy import MinimaxEntropy
from labelpact.core.method_names import ACCEPTED_METHODS, ALIASES, METHOD_NAMES
from labelpact.errors import InvalidInputError

__all__ = [
    "ACCEPTED_METHODS",
    "ALIASES",
    "EBCC",
    "GLAD",
    "MACE",
    "METHODS",
    "METHOD_NAMES",
    "Aggregator",
    "Auto",
    "DawidSkene",
    "MajorityVote",
    "MinimaxEntropy",
    "OneCoinDawidSkene",
    "Wawa",
    "canonical_method",
    "create",
]

# The one registry of truth-inference methods: the CLI's choices, the contract's ``quality.method`` and
# the API read it. Canonical names, in the order the docs list them:
_CANONICAL: dict[str, type[Aggregator]] = {
    "auto": Auto,
    "mv": MajorityVote,
    "wawa": Wawa,
    "ds": DawidSkene,
    "one-coin-ds": OneCoinDawidSkene,
    "glad": GLAD,
    "mace": MACE,
    "ebcc": EBCC,
    "mmce": MinimaxEntropy,
}
if tuple(_CANONICAL) != METHOD_NAMES:  # one list of names (``core.method_names``), one class each
    raise ImportError(
        f"core.method_names.METHOD_NAMES {METHOD_NAMES} differs from the registry {tuple(_CANONICAL)}"
    )
METHODS: dict[str, type[Aggregator]] = {
    name: _CANONICAL[ALIASES.get(name, name)] for name in sorted(ACCEPTED_METHODS)
}


def canonical_method(name: str) -> str:
    """The canonical registry name of ``name`` (an alias resolved); InvalidInputError for an unknown one."""
    if name not in METHODS:
        raise InvalidInputError(f"a method among {sorted(METHODS)}", column="method", got=repr(name))
    return ALIASES.get(name, name)


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
