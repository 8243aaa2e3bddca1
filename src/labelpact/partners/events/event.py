"""Events: dated facts about a partner (a stake, a layoff, a departure), checked, and what they mean to the client.

An event is a fact; its meaning depends on who runs the workspace. An ``investment`` or ``acquisition``
whose actor is one of the client's rivals is a conflict of interest (a rival now sees the client's work
through the vendor: Rogan, *Organization Science* 2014); one by the client itself is a stake that binds
the partnership. An adverse report (``worker_welfare``, ``regulatory_action``, ``quality_complaint``,
``reputation``, ``security_incident``) whose actor is the client names the client's own work: the partner's
stigma attaches to the client it is publicly tied to (Bruyaka, Philippe & Castaner, *AMR* 2018; Jensen,
*ASQ* 2006), so it implicates the client. Nothing else changes meaning here; the risk model weighs the rest.

``magnitude`` is one number whose unit depends on the kind (``MAGNITUDE_MEANING``):

================================  ====================================================================
investment, acquisition           share of the partner taken, in (0, 1] (0.49 = 49%)
layoff                            people laid off (a whole number >= 1), or a share of staff in [0, 1)
executive_departure, _hire        people who left or joined (a whole number >= 1)
customer_exit                     the leaving customer's yearly spend at stake, USD >= 0
quality_complaint                 share of items found wrong, in [0, 1]
security_incident                 records or documents exposed (a whole number >= 0)
lawsuit                           amount claimed, USD >= 0
contract_change                   the new yearly commitment, USD >= 0
funding                           amount raised, USD > 0
financial_distress                share of revenue or guidance lost, in [0, 1]
worker_welfare                    people affected (a whole number >= 1)
regulatory_action                 fine or amount at stake, USD >= 0
reputation                        amount at stake, USD >= 0
other                             any finite number; the summary says what it counts
================================  ====================================================================

The four kinds that real breakups show besides stakes and departures (RESEARCH.md B.2, issue 17):

- ``financial_distress``: the partner's profit warning, guidance cut, going-concern doubt, delisting risk,
  a lender seizing its cash (``0.5`` = half of the guided profit gone).
- ``worker_welfare``: a press expose or report on the partner's annotators' or moderators' pay, hours or
  psychological harm; a strike, petition or union action; a suit by its workers over their conditions
  (``200`` = two hundred moderators).
- ``regulatory_action``: a fine, court ruling, ban or official investigation of the partner, whoever
  brought it (``117000000`` = a $117M tax ruling).
- ``reputation``: an expose that is not about workers: data misuse, fraud or inflated-revenue claims,
  a founder named in a criminal probe.

``lawsuit`` stays for commercial litigation (a client, rival or investor suing or sued).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ADVERSE",
    "CERTAINTIES",
    "EVENT_KINDS",
    "MAGNITUDE_MEANING",
    "MEANINGS",
    "PEOPLE_KINDS",
    "SHARE_KINDS",
    "USD_KINDS",
    "Event",
    "Meaning",
    "describe",
    "folded_name",
    "magnitude_text",
    "meaning",
    "same_name",
]

EVENT_KINDS: Final = (
    "investment",
    "acquisition",
    "executive_departure",
    "executive_hire",
    "layoff",
    "customer_exit",
    "quality_complaint",
    "security_incident",
    "lawsuit",
    "contract_change",
    "funding",
    "financial_distress",
    "worker_welfare",
    "regulatory_action",
    "reputation",
    "other",
)
# How sure the source is: a party confirmed it (or several outlets report it), reported by unnamed
# sources, one source only, disputed by a named party.
CERTAINTIES: Final = ("confirmed", "reported", "single_source", "disputed")
Meaning = Literal["conflict_of_interest", "binding_stake", "implicates_client", "none"]
MEANINGS: Final[tuple[Meaning, ...]] = ("conflict_of_interest", "binding_stake", "implicates_client", "none")
# adverse reports about the partner; the actor, when given, is the client whose work the report names
ADVERSE: Final = (
    "worker_welfare",
    "regulatory_action",
    "quality_complaint",
    "reputation",
    "security_incident",
)

MAGNITUDE_MEANING: Final[Mapping[str, str]] = {
    "investment": "share of the partner taken, in (0, 1]",
    "acquisition": "share of the partner taken, in (0, 1]",
    "layoff": "people laid off (a whole number >= 1) or a share of staff in [0, 1)",
    "executive_departure": "people who left (a whole number >= 1)",
    "executive_hire": "people who joined (a whole number >= 1)",
    "customer_exit": "the customer's yearly spend at stake in USD, >= 0",
    "quality_complaint": "share of items found wrong, in [0, 1]",
    "security_incident": "records or documents exposed (a whole number >= 0)",
    "lawsuit": "amount claimed in USD, >= 0",
    "contract_change": "the new yearly commitment in USD, >= 0",
    "funding": "amount raised in USD, > 0",
    "financial_distress": "share of revenue or guidance lost, in [0, 1]",
    "worker_welfare": "people affected (a whole number >= 1)",
    "regulatory_action": "fine or amount at stake in USD, >= 0",
    "reputation": "amount at stake in USD, >= 0",
    "other": "any finite number",
}
# kinds by the unit of their magnitude (``MAGNITUDE_MEANING``)
SHARE_KINDS: Final = ("investment", "acquisition")
PEOPLE_KINDS: Final = ("executive_departure", "executive_hire", "worker_welfare")
USD_KINDS: Final = (
    "customer_exit",
    "lawsuit",
    "contract_change",
    "funding",
    "regulatory_action",
    "reputation",
)
_ACTOR_WORD: Final = {
    "investment": " by",
    "acquisition": " by",
    "funding": " from",
    "lawsuit": " with",
} | dict.fromkeys(ADVERSE, " about")


@dataclass(frozen=True, slots=True)
class Event:
    """A fact about ``partner`` on ``date``; ``actor`` is who acted (the investor, the executive who left).

    ``magnitude`` is in the unit ``MAGNITUDE_MEANING[kind]`` names; ``certainty`` one of ``CERTAINTIES``;
    ``id`` is the ledger's id (``e9``) once stored.
    """

    partner: str
    kind: str
    date: dt.date
    actor: str | None = None
    magnitude: float | None = None
    summary: str | None = None
    source_url: str | None = None
    certainty: str | None = None
    id: str | None = None


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two organisation names are the same one: compatibility forms folded (NFKC: a fullwidth "ＯｐｅｎＡＩ"
    is "OpenAI"), invisible format characters (soft hyphens, zero-width spaces) dropped, case-insensitive,
    surrounding and inner blanks folded."""
    if a is None or b is None:
        return False
    return folded_name(a) == folded_name(b)


def folded_name(name: str) -> str:
    """``name`` as ``same_name`` compares it."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split()).casefold()


def meaning(event: Event, *, client: str | None, rivals: Iterable[str]) -> Meaning:
    """What ``event`` means for the client: a rival's stake in the partner, the client's own, an adverse
    report about the client's own work at the partner, or nothing.

    Stakes (``investment``, ``acquisition``) and adverse reports (``ADVERSE``) carry a meaning; the client
    wins over a rival of the same name.
    """
    if event.kind in ADVERSE and event.actor is not None:
        return "implicates_client" if same_name(event.actor, client) else "none"
    if event.kind not in SHARE_KINDS or event.actor is None:
        return "none"
    if same_name(event.actor, client):
        return "binding_stake"
    if any(same_name(event.actor, rival) for rival in rivals):
        return "conflict_of_interest"
    return "none"


def magnitude_text(kind: str, magnitude: float | None) -> str:
    """``magnitude`` in words for its kind: ``49% stake``, ``200 people``, ``$14.3B``; empty when absent."""
    if magnitude is None:
        return ""
    if kind in SHARE_KINDS:
        return f"{_percent(magnitude)} stake"
    if kind == "layoff":
        return f"{_percent(magnitude)} of staff" if magnitude < 1 else f"{magnitude:,.0f} people"
    if kind in PEOPLE_KINDS:
        return f"{magnitude:,.0f} " + ("person" if magnitude == 1 else "people")
    if kind == "quality_complaint":
        return f"{_percent(magnitude)} of items wrong"
    if kind == "financial_distress":
        return f"{_percent(magnitude)} of revenue or guidance lost"
    if kind == "security_incident":
        return f"{magnitude:,.0f} records exposed"
    if kind in USD_KINDS:
        return _usd(magnitude) + (" a year" if kind in ("customer_exit", "contract_change") else "")
    return f"{magnitude:,.6g}"


def describe(event: Event, *, client: str | None = None, rivals: Iterable[str] = ()) -> str:
    """One line for a table: ``investment by Meta, 49% stake (binding stake)``; no meaning without a client."""
    text = event.kind.replace("_", " ")
    if event.actor:
        text += _ACTOR_WORD.get(event.kind, ":") + f" {event.actor}"
    amount = magnitude_text(event.kind, event.magnitude)
    if amount:
        text += f", {amount}"
    meant = meaning(event, client=client, rivals=rivals)
    if meant != "none":
        text += f" ({meant.replace('_', ' ')})"
    return text


def _percent(share: float) -> str:
    return f"{share * 100:.3g}%"


def _usd(amount: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= size:
            return f"${amount / size:.3g}{suffix}"
    return f"${amount:,.0f}"
