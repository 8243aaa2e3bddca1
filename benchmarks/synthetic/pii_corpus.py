"""A seeded, labelled corpus of sentences holding personal data and look-alike decoys, and its scorer.

Values are real-looking (valid emails, phones valid by libphonenumber's metadata, Luhn-valid cards of
several brands, mod-97-valid IBANs, SSNs that follow the SSA rules); decoys are what scanners confuse
with them (broken checksums, order and tracking numbers, dates, timestamps, versions, ISBNs, prices,
zip codes). Used by the tests and ``benchmarks/pii.py`` to measure precision and recall.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import phonenumbers

from labelpact.ethics.pii.checksums import IBAN_LENGTHS

__all__ = ["NATIONAL_REGIONS", "LabelledSpan", "PiiCorpus", "Score", "pii_corpus", "score_spans"]

LabelledSpan = tuple[str, int, int]  # (entity, start, end)
NATIONAL_REGIONS = ("US", "GB", "DE", "FR")  # phones written in national format come from these
_INTERNATIONAL_REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "ES", "IT", "MX", "NL")

_FIRST = ("john", "maria", "wei", "fatima", "olga", "pierre", "aiko", "carlos", "priya", "liam", "noor")
_LAST = ("smith", "garcia", "chen", "khan", "ivanova", "dubois", "tanaka", "silva", "patel", "obrien")
_DOMAINS = (
    "gmail.com",
    "example.org",
    "acme-corp.co.uk",
    "uni-heidelberg.de",
    "yahoo.fr",
    "mail.example.com",
)
_STREETS = ("Main", "Oak", "Maple", "Pennsylvania", "Elm", "Cedar Hill", "Martin Luther King")
_SUFFIXES = ("Street", "St", "Avenue", "Ave", "Road", "Blvd", "Lane", "Drive")

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "email": ("Please write to {} if anything changes.", "My address is {}.", "cc: {} on the thread"),
    "phone": ("Call me at {} after 6pm.", "Phone: {}", "You can reach the front desk on {}, ask for Sam."),
    "card": ("I paid with card {} yesterday.", "Card number {} was charged twice!", "cc {} exp 09/27"),
    "iban": ("Transfer it to {} please.", "IBAN: {}", "Refund to my account {} within 14 days."),
    "ssn": ("My SSN is {} for the form.", "Social security number {} on file.", "ssn {}"),
    "ip": ("Login came from {} last night.", "Server {} is down again."),
    "address": ("Ship it to {} by Friday.", "I live at {} since 2019."),
    "url_credentials": ("Connect with {}/prod and retry.", "The feed is at {}."),
    "nino": ("NI number {} for payroll.",),
    "sin": ("My SIN is {}.",),
    "dni": ("DNI {} adjunto.",),
}
_DECOY_TEMPLATES = (
    "Order #{} shipped today.",
    "See ticket {} for details.",
    "Reference {} in your reply.",
    "It was {} when it broke.",
    "The value was {}.",
)


@dataclass(frozen=True, slots=True)
class PiiCorpus:
    """``texts[i]`` holds the personal values ``truth[i]`` (entity, start, end); everything else is decoy."""

    texts: tuple[str, ...]
    truth: tuple[tuple[LabelledSpan, ...], ...]

    @property
    def n_bytes(self) -> int:
        return sum(len(t.encode()) for t in self.texts)


@dataclass(frozen=True, slots=True)
class Score:
    """Span-overlap counts of one entity type and the rates they give."""

    entity: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_spans(
    truth: Sequence[Sequence[LabelledSpan]],
    predicted: Sequence[Sequence[LabelledSpan]],
    entities: Sequence[str],
) -> dict[str, Score]:
    """Per entity: a prediction overlapping a true span of the same entity is a hit, else a false positive."""
    counts = {e: [0, 0, 0] for e in entities}
    for gold, pred in zip(truth, predicted, strict=True):
        for entity in entities:
            g = [(s, e) for k, s, e in gold if k == entity]
            p = [(s, e) for k, s, e in pred if k == entity]
            hit = [any(ps < ge and gs < pe for gs, ge in g) for ps, pe in p]
            found = [any(ps < ge and gs < pe for ps, pe in p) for gs, ge in g]
            counts[entity][0] += sum(found)
            counts[entity][1] += len(hit) - sum(hit)
            counts[entity][2] += len(found) - sum(found)
    return {e: Score(e, *c) for e, c in counts.items()}


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(map(str, rng.integers(0, 10, n)))


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        total = 0
        for i, c in enumerate(reversed(body + check)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable: one check digit always fits")  # pragma: no cover


def _card(rng: np.random.Generator, valid: bool = True) -> str:
    prefix, length = [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
                      ("6011", 16), ("3530", 16)][int(rng.integers(8))]  # fmt: skip
    number = _luhn_complete(prefix + _digits(rng, length - len(prefix) - 1))
    if not valid:
        number = number[:-1] + str((int(number[-1]) + 1 + int(rng.integers(9))) % 10)
    style = int(rng.integers(3))
    if style == 0:
        return number
    sep = " " if style == 1 else "-"
    groups = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    cuts = np.cumsum((0, *groups))
    return sep.join(number[a:b] for a, b in itertools.pairwise(cuts.tolist()))


def _iban(rng: np.random.Generator, valid: bool = True) -> str:
    country = ("DE", "GB", "FR", "ES", "NL", "IT", "BE", "CH")[int(rng.integers(8))]
    n = IBAN_LENGTHS[country] - 4
    bban = "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 4)) + _digits(rng, n - 4)
    if country not in ("GB", "NL"):
        bban = _digits(rng, n)
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    if not valid:
        check = (check + 1 + int(rng.integers(90))) % 97 + 2
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _ssn(rng: np.random.Generator, valid: bool = True) -> str:
    if valid:
        area = int(rng.integers(1, 900))
        area = 667 if area == 666 else area
        group, serial = int(rng.integers(1, 100)), int(rng.integers(1, 10000))
    else:
        area = (0, 666, int(rng.integers(900, 1000)))[int(rng.integers(3))]
        group, serial = int(rng.integers(1, 100)), int(rng.integers(1, 10000))
    return f"{area:03d}-{group:02d}-{serial:04d}"


def _phone(rng: np.random.Generator) -> str:
    national = rng.random() < 0.4
    regions = NATIONAL_REGIONS if national else _INTERNATIONAL_REGIONS
    region = regions[int(rng.integers(len(regions)))]
    kind = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)[
        int(rng.integers(2))
    ]
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:  # pragma: no cover - every region above has examples of both types
        raise AssertionError(f"no example number for {region}")
    candidate = example
    for _ in range(200):
        nsn = str(example.national_number)
        candidate = phonenumbers.parse(f"+{example.country_code}{nsn[:-4]}{_digits(rng, 4)}")
        if phonenumbers.is_valid_number(candidate):
            break
    else:  # pragma: no cover - the example itself is valid
        candidate = example
    fmt = phonenumbers.PhoneNumberFormat
    style = fmt.NATIONAL if national else (fmt.E164, fmt.INTERNATIONAL)[int(rng.integers(2))]
    return phonenumbers.format_number(candidate, style)


def _email(rng: np.random.Generator) -> str:
    first, last = _FIRST[int(rng.integers(len(_FIRST)))], _LAST[int(rng.integers(len(_LAST)))]
    local = (f"{first}.{last}", f"{first[0]}{last}{int(rng.integers(10, 99))}", f"{first}+news")[
        int(rng.integers(3))
    ]
    return f"{local}@{_DOMAINS[int(rng.integers(len(_DOMAINS)))]}"


def _others(rng: np.random.Generator, entity: str) -> str:
    if entity == "ip":
        if rng.random() < 0.7:
            return ".".join(str(int(x)) for x in rng.integers(1, 255, 4))
        return (
            "2001:db8:"
            + ":".join(f"{int(x):x}" for x in rng.integers(0, 65536, 3))
            + "::"
            + f"{int(rng.integers(1, 999)):x}"
        )
    if entity == "address":
        return f"{int(rng.integers(1, 9999))} {_STREETS[int(rng.integers(len(_STREETS)))]} {_SUFFIXES[int(rng.integers(len(_SUFFIXES)))]}"
    if entity == "url_credentials":
        return f"postgres://{_FIRST[int(rng.integers(len(_FIRST)))]}:{_digits(rng, 6)}x@db.example.com"
    if entity == "nino":
        return f"{'ABCEHJKLMPRSTWXY'[int(rng.integers(16))]}{'ABCEHJKLMPRSTWXY'[int(rng.integers(16))]} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {'ABCD'[int(rng.integers(4))]}"
    if entity == "sin":
        digits = _luhn_complete(str(int(rng.integers(1, 8))) + _digits(rng, 7))
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    number = _digits(rng, 8)
    return number + "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23]  # dni


def _decoy(rng: np.random.Generator) -> str:
    makers: tuple[Callable[[], str], ...] = (
        lambda: _card(rng, valid=False),
        lambda: _iban(rng, valid=False),
        lambda: _ssn(rng, valid=False),
        lambda: _digits(rng, int(rng.integers(6, 10))),  # order number
        lambda: f"ORD-{int(rng.integers(2015, 2027))}-{_digits(rng, 6)}",
        lambda: (
            f"{int(rng.integers(2000, 2027))}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
        ),
        lambda: (
            f"{int(rng.integers(1, 13)):02d}/{int(rng.integers(1, 29)):02d}/{int(rng.integers(2000, 2027))}"
        ),
        lambda: (
            f"{int(rng.integers(2000, 2027))}-03-05T{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}:31Z"
        ),
        lambda: (
            f"version {int(rng.integers(1, 12))}.{int(rng.integers(0, 20))}.{int(rng.integers(0, 9))}.{int(rng.integers(0, 999))}"
        ),
        lambda: f"v{int(rng.integers(1, 5))}.{int(rng.integers(0, 30))}.{int(rng.integers(0, 30))}",
        lambda: (
            f"ISBN 978-{int(rng.integers(0, 10))}-{_digits(rng, 2)}-{_digits(rng, 6)}-{int(rng.integers(0, 10))}"
        ),
        lambda: f"1Z{_digits(rng, 3)}AA1{_digits(rng, 10)}",  # UPS tracking
        lambda: (
            f"9400 {_digits(rng, 4)} {_digits(rng, 4)} {_digits(rng, 4)} {_digits(rng, 4)} {_digits(rng, 2)}"
        ),
        lambda: f"${int(rng.integers(1, 9))},{_digits(rng, 3)}.{_digits(rng, 2)}",
        lambda: f"zip {_digits(rng, 5)}",
        lambda: f"icon@{int(rng.integers(2, 4))}x.png",
        lambda: f"{int(rng.integers(10, 99))} {int(rng.integers(100, 999))} users",
    )
    return makers[int(rng.integers(len(makers)))]()


_MAKERS: dict[str, Callable[[np.random.Generator], str]] = {
    "email": _email,
    "phone": _phone,
    "card": _card,
    "iban": _iban,
    "ssn": _ssn,
}
_WEIGHTS = {"email": 3, "phone": 3, "card": 3, "iban": 3, "ssn": 3, "ip": 1, "address": 1,
            "url_credentials": 1, "nino": 1, "sin": 1, "dni": 1}  # fmt: skip


def pii_corpus(n_texts: int, *, seed: int = 0, decoy_share: float = 0.5, filler: int = 1) -> PiiCorpus:
    """``n_texts`` texts of 2-4 sentences; each sentence holds one value, a decoy with ``decoy_share``.

    ``filler`` neutral sentences per value make the text longer (for throughput figures).
    """
    rng = np.random.default_rng(seed)
    kinds = list(_WEIGHTS)
    weights = np.array([_WEIGHTS[k] for k in kinds], dtype=float)
    neutral = "The annotator marked this review as helpful and moved on to the next one."
    texts: list[str] = []
    truth: list[tuple[LabelledSpan, ...]] = []
    for _ in range(n_texts):
        parts: list[str] = []
        spans: list[LabelledSpan] = []
        pos = 0
        for _ in range(int(rng.integers(2, 5))):
            if rng.random() < decoy_share:
                template = _DECOY_TEMPLATES[int(rng.integers(len(_DECOY_TEMPLATES)))]
                value, entity = _decoy(rng), None
            else:
                entity = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
                template = _TEMPLATES[entity][int(rng.integers(len(_TEMPLATES[entity])))]
                value = _MAKERS[entity](rng) if entity in _MAKERS else _others(rng, entity)
            head = template.split("{}")[0]
            sentence = template.format(value)
            if entity is not None:
                spans.append((entity, pos + len(head), pos + len(head) + len(value)))
            parts.append(sentence)
            pos += len(sentence) + 1
            for _ in range(filler):
                parts.append(neutral)
                pos += len(neutral) + 1
        texts.append(" ".join(parts))
        truth.append(tuple(spans))
    return PiiCorpus(tuple(texts), tuple(truth))
