"""The names of the truth-inference methods, without their implementations: a contract's ``quality.method``
is checked against them by code that must not pay for importing the estimators (``partner list`` reads
contracts; importing the compiled EM kernels cost it a third of a second)."""

from __future__ import annotations

__all__ = ["ACCEPTED_METHODS", "ALIASES", "METHOD_NAMES"]

# canonical names, in the order the docs list them; ``core.aggregators`` maps each to its class
METHOD_NAMES: tuple[str, ...] = ("auto", "mv", "wawa", "ds", "one-coin-ds", "glad", "mace", "ebcc", "mmce")
# Other names accepted for a canonical method, stated here and nowhere else: "bcc" is Bayesian classifier
# combination (Kim & Ghahramani 2012), which EBCC (Li, Rubinstein & Cohn 2019) implements with its
# worker-correlation extension.
ALIASES: dict[str, str] = {"bcc": "ebcc"}
ACCEPTED_METHODS: tuple[str, ...] = (*METHOD_NAMES, *ALIASES)
