"""Seeded, labelled corpora for the two hard parts of the PII scan: person names and phone-shaped numbers.

Written by us for labelpact's benchmarks and tests (not a public data set, kept out of the wheel).
:func:`name_corpus` writes support tickets, reviews and e-mails with names in the contexts people use
(``Dear``, ``my name is``, a signature, ``Mr.``, a first name and surname in running text, a lowercase
name) and decoys a name detector confuses with names: sentence-initial words, capitalised common words
and headings, places, brands and companies, some of them named after people (``Morgan Stanley``,
``Calvin Klein``: a list-based detector takes these for names, and the score says so). Names come from
Faker's lists (``in_list``, which the detector also reads) and from a hand-written list of names absent
from them (``out_of_list``): recall is reported for both. :func:`phone_corpus` writes phone numbers in
national formats whose area code libphonenumber does not assign (and, optionally, valid ones) among
decoys: order, ISBN, tracking and account numbers, dates, times, versions, amounts, coordinates.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

import numpy as np
import phonenumbers

from labelpact.ethics.pii.names import name_lists
from synthetic.pii_corpus import LabelledSpan, PiiCorpus

__all__ = ["NAME_LOCALES", "OUT_OF_LIST", "name_corpus", "phone_corpus"]

NAME_LOCALES = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "en_IN",
    "yo_NG",
    "tr_TR",
)
# Plausible names from many cultures; those that a Faker list holds are dropped at generation time.
OUT_OF_LIST_FIRST = (
    "Oluwaseun", "Thandiwe", "Xiomara", "Eilidh", "Anoushka", "Kalani", "Yevgenia", "Chidera", "Siobhan",
    "Tavita", "Ngozi", "Leilani", "Zbigniew", "Radomir", "Aoife", "Mthunzi", "Keanu", "Ifeoma", "Bartholomew",
    "Ottoline", "Wojtek", "Ksenia", "Tamsin", "Fionnuala", "Dagny", "Isidora", "Thorvald", "Nkechi", "Ekaterina",
)  # fmt: skip
OUT_OF_LIST_LAST = (
    "Okonkwo-Baptiste", "Wiśniewska", "Nakashima", "Featherstonehaugh", "Abernethy", "Oyelaran", "Vasquez-Ruiz",
    "Szczepański", "Tuiasosopo", "Mbeki", "Kowalczykowa", "Ravensworth", "Quispe", "Achterberg", "Thistlewood",
    "Ngata", "Delacroix-Moreau", "Sandoval", "Bergström", "Oyelowo", "Papadakis", "Haddad", "Mwangi",
)  # fmt: skip
OUT_OF_LIST = OUT_OF_LIST_FIRST + OUT_OF_LIST_LAST

# {f} first name, {l} last name, {n} full name; the truth span is the name as written.
_NAME_TEMPLATES = (
    "Hi, my name is {n} and my order never arrived.",
    "Dear {f},\nthank you for your message about the kettle.",
    "Dear Mr. {l}, your refund has been approved.",
    "Dear Ms. {l}, we are sorry for the delay.",
    "I spoke with {f} at the front desk and she was very helpful.",
    "{n} called about the invoice this morning.",
    "Thanks, {f}",
    "Best regards,\n{n}",
    "Kind regards, {n}",
    "Please forward this to {n} in accounting.",
    "Our driver {n} left the parcel at the door.",
    "The parcel was signed for by {n}.",
    "{f} said the blender stopped working after a week.",
    "Ask for {f} when you call the store.",
    "Dr. {l} will see you on Tuesday.",
    "I am {n}, the account holder.",
    "Reviewer: {n}",
    "My colleague {n} ordered the same lamp.",
    "I met {f} at the pickup point yesterday.",
    "my name is {lower} and i need help",
)
_DECOY_SENTENCES = (
    "Will you refund me or not?", "May I ask where my parcel is?", "Grace period ends on Friday.",
    "Summer Sale starts Monday in every store.", "Mark the box as fragile, please.", "Bill me later.",
    "Hope this helps.", "Faith in the brand is gone.", "Christian bookstores sell it too.",
    "Customer Service Was Great", "Best Product Ever", "Fast Shipping And Great Price!",
    "Dear Customer, your order has shipped.", "Dear Hiring Manager, please find my CV attached.",
    "Dear Sir or Madam, I write to complain.", "Hello Team, the build is green.", "Hi All, lunch is at noon.",
    "We flew from Paris to Sydney last June.", "The hotel in Florence was lovely.",
    "Our office moved from Austin to Denver.", "It shipped from Victoria Station.", "I grew up in Savannah, Georgia.",
    "The Jordan River is longer than I thought.", "Charlotte and Madison are both nice cities.",
    "We stayed near Baker Street and Abbey Road.", "Lincoln Avenue was closed for the parade.",
    "Traffic on Santa Monica Boulevard was awful.", "Meet me at Madison Square Garden.",
    "The Apple Watch and the Samsung Galaxy both failed.", "My Dell laptop and Ford Focus are both old.",
    "The Tesla Model Y arrived scratched.", "Dyson and Philips make better ones.",
    "I bought it with my Chase Sapphire card.", "Amazon Prime delivered it late.",
    "Wells Fargo flagged the payment.", "Morgan Stanley published the report.",
    "The Calvin Klein jacket runs small.", "Ralph Lauren shirts are on sale.",
    "Johnson & Johnson recalled the product.", "Goldman Sachs and Deutsche Bank both declined.",
    "Manchester United beat Chelsea on Sunday.", "Real Madrid signed a new striker.",
    "Delivered on Friday, June 12.", "The meeting is on Monday in March.", "Black Friday deals were weak.",
    "Google Maps sent the driver to the wrong street.", "Microsoft Teams crashed again.",
    "The Grand Canyon tour was cancelled.", "New York and Los Angeles stores have it.",
    "North Face and Patagonia jackets are warmer.", "The British Museum shop sells it.",
    "Prime Minister's speech was on the radio.", "Harvard Business Review covered the brand.",
    "Ich habe den Mixer letzten Monat gekauft.", "Der Versand war schnell.", "El envío fue rápido.",
)  # fmt: skip
_FILLER = (
    "The annotator marked this review as helpful.", "The blender works fine.", "Shipping was quick.",
    "It broke after two days.", "The manual is confusing.", "Would buy again.",
)  # fmt: skip


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, (dict, tuple, list)) else []


def _faker_names(locales: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    """(first names, last names) pools per locale, from Faker's person providers."""
    pools = []
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first = {
            v
            for a in ("first_names", "first_names_male", "first_names_female")
            for v in _strings(getattr(provider, a, None))
        }
        last = set(_strings(getattr(provider, "last_names", None)))
        if first and last:
            pools.append((sorted(first), sorted(last)))
    return pools


def out_of_list_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The hand-written first and last names that no Faker list holds (checked, not assumed)."""
    lists = name_lists()
    first = tuple(n for n in OUT_OF_LIST_FIRST if n.lower() not in lists.first | lists.last)
    last = tuple(
        n for n in OUT_OF_LIST_LAST if not any(w.lower() in lists.first | lists.last for w in n.split("-"))
    )
    return first, last


def name_corpus(
    n_texts: int, *, seed: int = 0, name_share: float = 0.4, out_of_list_share: float = 0.25
) -> tuple[PiiCorpus, tuple[tuple[bool, ...], ...]]:
    """Texts of 2-4 sentences and, per true name span, whether it came from the out-of-list names."""
    rng = np.random.default_rng(seed)
    pools = _faker_names(NAME_LOCALES)
    rare_first, rare_last = out_of_list_names()
    texts: list[str] = []
    truth: list[tuple[LabelledSpan, ...]] = []
    rare_flags: list[tuple[bool, ...]] = []
    pick: Callable[[Sequence[str]], str] = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    for _ in range(n_texts):
        parts: list[str] = []
        spans: list[LabelledSpan] = []
        flags: list[bool] = []
        pos = 0
        for _ in range(int(rng.integers(2, 5))):
            if rng.random() < name_share:
                rare = bool(rng.random() < out_of_list_share)
                first_pool, last_pool = (
                    (rare_first, rare_last) if rare else pools[int(rng.integers(len(pools)))]
                )
                first, last = pick(first_pool), pick(last_pool)
                template = pick(_NAME_TEMPLATES)
                key = (
                    "{n}"
                    if "{n}" in template
                    else "{f}"
                    if "{f}" in template
                    else "{l}"
                    if "{l}" in template
                    else "{lower}"
                )
                value = {
                    "{n}": f"{first} {last}",
                    "{f}": first,
                    "{l}": last,
                    "{lower}": f"{first} {last}".lower(),
                }[key]
                head = template.split(key)[0]
                sentence = template.replace(key, value)
                spans.append(("name", pos + len(head), pos + len(head) + len(value)))
                flags.append(rare)
            else:
                sentence = pick(_DECOY_SENTENCES)
            parts.append(sentence)
            pos += len(sentence) + 1
            filler = pick(_FILLER)
            parts.append(filler)
            pos += len(filler) + 1
        texts.append(" ".join(parts))
        truth.append(tuple(spans))
        rare_flags.append(tuple(flags))
    return PiiCorpus(tuple(texts), tuple(truth)), tuple(rare_flags)


_PHONE_TEMPLATES = (
    "Call me at {} after 6pm.", "My cell is {}.", "Tel: {}", "You can reach me on {} any time.",
    "Phone {} (mobile)", "Please ring {} to rebook.",
)  # fmt: skip
_PHONE_DECOY_TEMPLATES = (
    "Order {} shipped today.",
    "See {} for details.",
    "It says {} on the label.",
    "Noted: {}.",
)


def _unassigned(rng: np.random.Generator, region: str) -> str | None:
    """A number of ``region`` that is possible by length but not valid (its area code is unassigned)."""
    for _ in range(400):
        if region == "US":
            digits = str(int(rng.integers(2, 10))) + "".join(map(str, rng.integers(0, 10, 9)))
        elif region == "FR":
            digits = "0" + str(int(rng.integers(1, 10))) + "".join(map(str, rng.integers(0, 10, 8)))
        else:
            digits = "0" + "".join(map(str, rng.integers(0, 10, int(rng.integers(9, 11)))))
        if digits.startswith("00"):  # an international call prefix, not a national number
            continue
        number = phonenumbers.parse(digits, region)
        if phonenumbers.is_possible_number(number) and not phonenumbers.is_valid_number(number):
            return _national_style(rng, region, digits)
    return None


def _national_style(rng: np.random.Generator, region: str, digits: str) -> str:
    if region == "US":
        a, b, c = digits[:3], digits[3:6], digits[6:]
        return (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a} {b} {c}")[int(rng.integers(4))]
    if region == "FR":
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    cut = int(rng.integers(3, 6))
    sep = (" ", " ", "-", "/")[int(rng.integers(4))] if region == "DE" else " "
    return f"{digits[:cut]}{sep}{digits[cut:]}"


def _valid(rng: np.random.Generator, region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    assert example is not None
    nsn = str(example.national_number)
    for _ in range(200):
        number = phonenumbers.parse(
            f"+{example.country_code}{nsn[:-4]}{''.join(map(str, rng.integers(0, 10, 4)))}"
        )
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def _phone_decoy(rng: np.random.Generator) -> str:
    d: Callable[[int], str] = lambda n: "".join(map(str, rng.integers(0, 10, n)))  # noqa: E731
    i: Callable[[int, int], int] = lambda lo, hi: int(rng.integers(lo, hi))  # noqa: E731
    makers: tuple[Callable[[], str], ...] = (
        lambda: f"#{d(i(6, 10))}",  # order number
        lambda: d(i(7, 11)),  # bare order or account number
        lambda: f"ORD-{i(2015, 2027)}-{d(6)}",
        lambda: f"INV-{i(2015, 2027)}-{d(4)}",
        lambda: f"ISBN 978-{i(0, 10)}-{d(2)}-{d(6)}-{i(0, 10)}",
        lambda: f"ISBN 0-{d(3)}-{d(5)}-{i(0, 10)}",
        lambda: f"{i(2000, 2027)}-{i(1, 13):02d}-{i(1, 29):02d}",
        lambda: f"{i(1, 29):02d}-{i(1, 13):02d}-{i(2000, 2027)}",
        lambda: f"{i(1, 29):02d}.{i(1, 13):02d}.{i(2000, 2027)}",
        lambda: f"{i(2000, 2027)}/{i(1, 13):02d}/{i(1, 29):02d}",
        lambda: f"version {i(1, 12)}.{i(0, 20)}.{i(0, 9)}.{i(0, 9999)}",
        lambda: f"v{i(1, 5)}.{i(0, 30)}.{i(0, 30)}",
        lambda: f"{i(0, 24):02d}:{i(0, 60):02d}:{i(0, 60):02d}",
        lambda: f"{i(0, 24):02d}:{i(0, 60):02d} - {i(0, 24):02d}:{i(0, 60):02d}",
        lambda: f"${i(1, 9)},{d(3)}.{d(2)}",
        lambda: f"€ {i(1, 99)} {d(3)} {d(3)}",
        lambda: f"{i(1, 999)} {d(3)} {d(3)} EUR",
        lambda: f"1Z{d(3)}AA1{d(10)}",  # UPS
        lambda: f"9400 {d(4)} {d(4)} {d(4)} {d(4)} {d(2)}",  # USPS
        lambda: f"{d(4)} {d(4)} {d(4)}",  # FedEx
        lambda: f"JD{d(18)}",  # DHL
        lambda: f"{i(-89, 90)}.{d(4)}, {i(-179, 180)}.{d(4)}",  # coordinates
        lambda: f"{i(0, 89)}.{d(6)} {i(-179, 180)}.{d(6)}",
        lambda: f"{i(10, 99)} {d(3)} users",
        lambda: f"sort code {d(2)}-{d(2)}-{d(2)}",
        lambda: f"EAN {d(13)}",
    )
    return makers[int(rng.integers(len(makers)))]()


def phone_corpus(
    n_texts: int,
    *,
    seed: int = 0,
    regions: Sequence[str] = ("US", "GB", "DE", "FR"),
    valid_share: float = 0.0,
) -> PiiCorpus:
    """Texts of 2-4 sentences, each a phone number (unassigned, or valid with ``valid_share``) or a decoy."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    truth: list[tuple[LabelledSpan, ...]] = []
    for _ in range(n_texts):
        parts: list[str] = []
        spans: list[LabelledSpan] = []
        pos = 0
        for _ in range(int(rng.integers(2, 5))):
            value: str | None = None
            if rng.random() < 0.4:
                region = regions[int(rng.integers(len(regions)))]
                value = _valid(rng, region) if rng.random() < valid_share else _unassigned(rng, region)
            if value is not None:
                template = _PHONE_TEMPLATES[int(rng.integers(len(_PHONE_TEMPLATES)))]
                spans.append(
                    (
                        "phone",
                        pos + len(template.split("{}")[0]),
                        pos + len(template.split("{}")[0]) + len(value),
                    )
                )
            else:
                template = _PHONE_DECOY_TEMPLATES[int(rng.integers(len(_PHONE_DECOY_TEMPLATES)))]
                value = _phone_decoy(rng)
            sentence = template.format(value)
            parts.append(sentence)
            pos += len(sentence) + 1
        texts.append(" ".join(parts))
        truth.append(tuple(spans))
    return PiiCorpus(tuple(texts), tuple(truth))
