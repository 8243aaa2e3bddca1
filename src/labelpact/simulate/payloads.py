"""Seeded task payloads and pay for demos and tests: reviews, sources, licences, leaks, underpaid workers.

:func:`simulate_payloads` writes short product reviews in English, German and Spanish with a ``source``
and ``license`` per task (mostly allowed SPDX ids; a chosen share disallowed, unreadable or missing),
and leaks email addresses and Luhn-valid card numbers into a chosen share of the texts.
:func:`underpay_workers` stretches the time on task of a chosen share of workers until their effective
hourly pay falls below the contract's floor; :func:`plant_slice_bias` makes the labels of one slice worse.
Pure: stdlib and numpy.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from labelpact.core.annotations import Annotations, TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pay import durations_s

__all__ = [
    "ALLOWED_SOURCES",
    "LANGUAGES",
    "plant_slice_bias",
    "simulate_payloads",
    "underpay_workers",
    "write_tasks",
]

# source -> licence as written in the data ("CC BY 4.0" on purpose: it normalises to CC-BY-4.0)
ALLOWED_SOURCES: dict[str, str] = {
    "open-reviews": "CC-BY-4.0",
    "public-forum": "CC0-1.0",
    "qa-archive": "CC BY 4.0",
}
_DISALLOWED = ("shop-scrape", "CC-BY-NC-4.0")
_UNKNOWN = ("partner-upload", "internal use only")
_MISSING = "legacy-dump"
LANGUAGES: dict[str, float] = {"en": 0.6, "de": 0.25, "es": 0.15}

_PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # openers (with {p}), products, verdicts, closing remarks
    "en": (
        (
            "I bought this {p} last month",
            "Ordered the {p} for my daughter",
            "Used the {p} every day for two weeks",
            "Got the {p} as a gift",
            "This is my second {p} from this brand",
        ),
        ("blender", "pair of headphones", "desk lamp", "backpack", "coffee grinder", "kettle", "phone case"),
        (
            "and it works better than expected.",
            "and honestly it is fine, nothing special.",
            "and it stopped working after a few days.",
            "but it broke within a month.",
            "and the build quality feels premium.",
            "but it looks cheaper than in the photos.",
        ),
        ("Shipping was quick.", "Customer service never answered.", "Would buy again.",
         "The manual is confusing.", "Packaging was damaged.", ""),
    ),
    "de": (
        (
            "Ich habe den {p} letzten Monat gekauft",
            "Den {p} habe ich für meine Tochter bestellt",
            "Ich nutze den {p} seit zwei Wochen täglich",
            "Den {p} habe ich geschenkt bekommen",
        ),
        ("Mixer", "Kopfhörer", "Rucksack", "Wasserkocher", "Staubsauger"),
        (
            "und er funktioniert besser als erwartet.",
            "und er ist in Ordnung, nichts Besonderes.",
            "aber nach ein paar Tagen ging er kaputt.",
            "und die Verarbeitung wirkt hochwertig.",
            "aber er sieht billiger aus als auf den Fotos.",
        ),
        ("Der Versand war schnell.", "Würde ich wieder kaufen.", "Die Anleitung ist verwirrend.",
         "Der Kundendienst hat nie geantwortet.", ""),
    ),
    "es": (
        (
            "Compré este {p} el mes pasado",
            "Pedí el {p} para mi hija",
            "Uso el {p} todos los días desde hace dos semanas",
            "Me regalaron el {p}",
        ),
        ("hervidor", "ventilador", "molinillo de café", "auricular", "aspirador"),
        (
            "y funciona mejor de lo esperado.",
            "y está bien, nada especial.",
            "pero dejó de funcionar a los pocos días.",
            "y la calidad parece muy buena.",
            "pero parece más barato que en las fotos.",
        ),
        ("El envío fue rápido.", "Lo volvería a comprar.", "El manual es confuso.",
         "Atención al cliente nunca respondió.", ""),
    ),
}  # fmt: skip
_EMAIL_LEAK = {
    "en": "Contact me at {email} if you need photos.",
    "de": "Schreibt mir an {email}, wenn ihr Fotos braucht.",
    "es": "Escríbeme a {email} si necesitas fotos.",
}
_CARD_LEAK = {
    "en": "They charged my card {card} twice.",
    "de": "Meine Karte {card} wurde doppelt belastet.",
    "es": "Me cobraron dos veces en la tarjeta {card}.",
}
_FIRST = ("maria", "jonas", "lucia", "tom", "anna", "carlos", "lena", "sam", "sofia", "felix")
_LAST = ("lopez", "becker", "smith", "garcia", "wagner", "jones", "martin", "fischer")
_DOMAINS = ("gmail.com", "outlook.com", "web.de", "yahoo.es", "proton.me", "icloud.com")


def _share(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise InvalidInputError(f"a share between 0 and 1 for {name}", got=repr(value))
    return value


def _luhn_complete(body: str) -> str:
    """``body`` followed by the Luhn check digit that makes the whole number valid."""
    total = 0
    for i, ch in enumerate(
        reversed(body)
    ):  # the check digit will sit right of body: double every other from here
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _card(rng: np.random.Generator) -> str:
    prefix = str(rng.choice(["4", "51", "52", "53", "54", "55"]))
    body = prefix + "".join(str(d) for d in rng.integers(0, 10, 15 - len(prefix)))
    digits = _luhn_complete(body)
    separator = " " if rng.random() < 0.7 else "-"
    return separator.join(digits[i : i + 4] for i in range(0, 16, 4))


def _email(rng: np.random.Generator) -> str:
    first, last = str(rng.choice(_FIRST)), str(rng.choice(_LAST))
    local = f"{first}.{last}{int(rng.integers(10, 99))}" if rng.random() < 0.6 else f"{first[0]}{last}"
    return f"{local}@{rng.choice(_DOMAINS)}"


def _reviews(language: list[str], rng: np.random.Generator) -> list[str]:
    """One review per entry of ``language``: phrase indices drawn in one block, then joined."""
    picks = rng.random((len(language), 4))  # opener, product, verdict, closing: uniform index per part
    out = []
    for lang, (u_open, u_product, u_verdict, u_close) in zip(language, picks.tolist(), strict=True):
        openers, products, verdicts, closings = _PHRASES[lang]
        opener = openers[int(u_open * len(openers))].format(p=products[int(u_product * len(products))])
        verdict, closing = verdicts[int(u_verdict * len(verdicts))], closings[int(u_close * len(closings))]
        joint = ", " if verdict.split(" ", 1)[0] in ("but", "aber", "pero") else " "
        out.append(f"{opener}{joint}{verdict}" + (f" {closing}" if closing else ""))
    return out


def simulate_payloads(
    tasks: Sequence[str],
    *,
    seed: int | None = 0,
    email_share: float = 0.0,
    card_share: float = 0.0,
    disallowed_share: float = 0.0,
    unknown_license_share: float = 0.0,
    missing_license_share: float = 0.0,
    languages: Mapping[str, float] | None = None,
) -> TaskPayloads:
    """Payloads ``text, language, source, license`` for ``tasks``.

    Exactly ``round(share * n_tasks)`` tasks leak an email (``email_share``) and, drawn independently,
    a card number (``card_share``); as many come from a source whose licence is not allowed by the
    standard contract (CC-BY-NC-4.0), unreadable (``internal use only``) or missing. ``languages`` maps
    ``en``/``de``/``es`` to their weights (default :data:`LANGUAGES`).
    """
    weights = dict(languages if languages is not None else LANGUAGES)
    unknown = sorted(set(weights) - set(_PHRASES))
    if unknown or not weights or min(weights.values()) < 0 or sum(weights.values()) <= 0:
        raise InvalidInputError(f"language weights >= 0 over {sorted(_PHRASES)}", got=repr(weights))
    licence_shares = [
        _share("disallowed_share", disallowed_share),
        _share("unknown_license_share", unknown_license_share),
        _share("missing_license_share", missing_license_share),
    ]
    if sum(licence_shares) > 1:
        raise InvalidInputError("licence shares summing to at most 1", got=repr(licence_shares))
    n = len(tasks)
    rng = np.random.default_rng(seed)
    names = list(weights)
    p = np.array([weights[k] for k in names], dtype=np.float64)
    language = [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]
    texts = _reviews(language, rng)
    for share, name, template in (
        (email_share, "email_share", _EMAIL_LEAK),
        (card_share, "card_share", _CARD_LEAK),
    ):
        for i in rng.choice(n, size=round(_share(name, share) * n), replace=False).tolist():
            value = {"email": _email(rng)} if template is _EMAIL_LEAK else {"card": _card(rng)}
            texts[i] = f"{texts[i]} {template[language[i]].format(**value)}"
    # licence groups: disallowed, unknown, missing, then the allowed sources for the rest
    counts = [round(s * n) for s in licence_shares]
    order = rng.permutation(n)
    allowed = list(ALLOWED_SOURCES)
    source: list[str | None] = [allowed[i] for i in rng.choice(len(allowed), size=n, p=[0.5, 0.3, 0.2])]
    licence: list[str | None] = [ALLOWED_SOURCES[s] for s in source if s is not None]
    start = 0
    for count, (src, text) in zip(counts, (_DISALLOWED, _UNKNOWN, (_MISSING, None)), strict=True):
        for i in order[start : start + count].tolist():
            source[i], licence[i] = src, text
        start += count
    return TaskPayloads(
        task=tuple(tasks),
        fields={
            "text": tuple(texts),
            "language": tuple(language),
            "source": tuple(source),
            "license": tuple(licence),
        },
    )


def underpay_workers(
    annotations: Annotations,
    *,
    share: float,
    price_per_label: float,
    pay_floor_per_hour: float,
    pay_ratio: tuple[float, float] = (0.4, 0.85),
    lift_others: bool = True,
    seed: int | None = 0,
) -> tuple[Annotations, tuple[str, ...]]:
    """Stretch the time on task of ``round(share * n)`` timed workers so each earns ``pay_ratio`` x the floor.

    Hourly pay is labels x ``price_per_label`` / hours (what reaches the annotator); each changed worker's
    durations are scaled by one factor, so their spread is kept. With ``lift_others`` every other worker
    below the floor is sped up to 1.05-1.5 x the floor, so exactly the chosen workers are underpaid
    (``share=0`` makes a batch that meets the floor). ``submitted_at`` moves with the new durations.
    Returns the new annotations and the chosen workers, in workforce order.
    """
    lo, hi = pay_ratio
    if not (0 < lo <= hi < 1) or price_per_label <= 0 or pay_floor_per_hour <= 0:
        raise InvalidInputError(
            "a positive price and floor, and pay ratios 0 < low <= high < 1",
            got=f"{price_per_label}, {pay_floor_per_hour}, {pay_ratio}",
        )
    seconds = durations_s(annotations)
    timed = ~np.isnan(seconds)
    n_w = annotations.n_workers
    n_timed = np.bincount(annotations.worker, weights=timed, minlength=n_w)
    total_s = np.bincount(annotations.worker, weights=np.where(timed, seconds, 0.0), minlength=n_w)
    eligible = np.flatnonzero(total_s > 0)
    rng = np.random.default_rng(seed)
    chosen = np.sort(
        rng.choice(eligible, size=round(_share("share", share) * len(eligible)), replace=False)
    ).astype(np.intp)
    target = np.full(n_w, np.nan)
    target[chosen] = rng.uniform(lo, hi, len(chosen)) * pay_floor_per_hour
    if lift_others:
        with np.errstate(divide="ignore", invalid="ignore"):
            hourly = np.where(total_s > 0, n_timed * price_per_label * 3600.0 / total_s, np.inf)
        low = np.flatnonzero(hourly < pay_floor_per_hour)
        low = low[~np.isin(low, chosen)]
        target[low] = rng.uniform(1.05, 1.5, len(low)) * pay_floor_per_hour
    factor = np.ones(n_w)
    changed = ~np.isnan(target)
    factor[changed] = n_timed[changed] * price_per_label * 3600.0 / target[changed] / total_s[changed]
    new = np.round(seconds * factor[annotations.worker], 3)
    submitted = annotations.submitted_at
    if annotations.started_at is not None and submitted is not None:
        known = timed & ~np.isnat(annotations.started_at)
        moved = annotations.started_at + np.where(known, new * 1000, 0).astype(np.int64).astype(
            "timedelta64[ms]"
        )
        submitted = np.where(known, moved, submitted)
    stretched = Annotations(
        task=annotations.task,
        worker=annotations.worker,
        label=annotations.label,
        tasks=annotations.tasks,
        workers=annotations.workers,
        classes=annotations.classes,
        duration_s=new,
        started_at=annotations.started_at,
        submitted_at=submitted,
    )
    return stretched, tuple(annotations.workers[i] for i in chosen.tolist())


def plant_slice_bias(
    annotations: Annotations,
    payloads: TaskPayloads,
    *,
    column: str,
    value: str,
    flip_share: float,
    seed: int | None = 0,
) -> Annotations:
    """Turn ``flip_share`` of the labels on tasks whose payload ``column`` is ``value`` into another class.

    Each flipped label becomes one of the other classes at random, so the slice's agreement and gold
    accuracy drop while the rest of the batch is unchanged.
    """
    if column not in payloads.fields:
        raise InvalidInputError(f"a payload field among {sorted(payloads.fields)}", column=column)
    lookup = dict(zip(payloads.task, payloads.fields[column], strict=True))
    in_slice = np.array([lookup.get(t) == value for t in annotations.tasks], dtype=bool)
    rows = np.flatnonzero(in_slice[annotations.task])
    rng = np.random.default_rng(seed)
    flipped = rng.choice(rows, size=round(_share("flip_share", flip_share) * len(rows)), replace=False)
    k = annotations.n_classes
    label = annotations.label.copy()
    label[flipped] = (label[flipped] + rng.integers(1, max(k, 2), len(flipped))) % k
    return Annotations(
        task=annotations.task,
        worker=annotations.worker,
        label=label,
        tasks=annotations.tasks,
        workers=annotations.workers,
        classes=annotations.classes,
        duration_s=annotations.duration_s,
        started_at=annotations.started_at,
        submitted_at=annotations.submitted_at,
    )


def write_tasks(payloads: TaskPayloads, path: str | Path) -> Path:
    """Write payloads as the CSV ``task,<field>...`` that ``--tasks`` reads; None becomes an empty cell."""
    target = Path(path)
    names = list(payloads.fields)
    columns = [payloads.fields[name] for name in names]
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["task", *names])
        for i, task in enumerate(payloads.task):
            writer.writerow([task, *("" if c[i] is None else c[i] for c in columns)])
    return target
