"""Phone numbers in a text: regex candidates validated by libphonenumber, judged by their context.

A number valid in its numbering plan is reported at PHONE_VALID; one written like a phone number but valid
nowhere, or a bare digit run alone in its value with no phone word near it (it may be an id), at
PHONE_SHAPED, a guess. ``phonenumbers`` is Google libphonenumber's Python port: metadata shipped offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import phonenumbers

from labelpact.ethics.pii.patterns import PHONE_CANDIDATE, PHONE_KEYWORD, Span, phone_context_ok, phone_shaped
from labelpact.ethics.pii.taken import Taken

__all__ = ["PHONE_SHAPED", "PHONE_VALID", "find_phones", "is_phone_field"]

PHONE_VALID, PHONE_SHAPED = 0.9, 0.5
_SEPARATOR = "\x00"  # joins the tasks of a field (``scan``): a phone word of another task is not this one's
_LENIENCY = phonenumbers.Leniency.VALID
_ONE_DIGIT_TAIL = re.compile(r"[^0-9][0-9]\)?$")
# words of a field name that make its bare digit runs phone numbers ("text" or "call" would not)
_PHONE_FIELD_WORDS = frozenset(
    {
        "phone",
        "phones",
        "tel",
        "telephone",
        "mobile",
        "cell",
        "cellphone",
        "fax",
        "whatsapp",
        "msisdn",
        "contact",
    }
)


def is_phone_field(name: str) -> bool:
    """A field name made of words (``phone_number``, ``mobileNo``, ``Tel``) one of which is a phone word."""
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)
    return any(w.lower() in _PHONE_FIELD_WORDS for w in words)


def _shaped(run: str, regions: Sequence[str], international: bool) -> bool:
    """Phone-shaped and of a possible length in one of ``regions`` (or its own country code), though invalid."""
    for region in regions[:1] if international else regions:
        try:
            number = phonenumbers.parse(run, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(number):
            continue
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        trunk = metadata.national_prefix if metadata is not None else None
        if phone_shaped(run, nanp=number.country_code == 1 and not international, trunk_prefix=trunk):
            return True
    return False


def find_phones(
    text: str, regions: Sequence[str], taken: Taken, phone_field: bool = False
) -> Iterable[tuple[Span, float]]:
    """Phone numbers valid for their region (libphonenumber metadata), tried only on regex candidates.

    A number must be the whole digit run (a valid prefix of a longer run is not a phone). National
    format is read in ``regions[0]`` freely, in the other regions only after a phone word
    (``call``, ``phone``, ``tel``, ``mobile`` ...) in the 40 characters before, or in a field whose name
    is a phone word (``phone_field``). A run that is valid nowhere but written like a phone number of a
    region it may belong to is reported at PHONE_SHAPED; so is a bare digit run alone in its value with no
    phone word, which may as well be an id ("4155552671" in a ``post_id`` column).
    """
    for m in PHONE_CANDIDATE.finditer(text):
        start, stop = m.span()
        run = m.group()
        n_digits = sum(c.isdigit() for c in run)
        if n_digits > 17 or taken.covers(start, stop) or not phone_context_ok(text, start):
            continue
        international = run.startswith("+")  # the country code decides: one region is enough
        if _ONE_DIGIT_TAIL.search(run):
            continue  # "0-306-40615-2" (ISBN-10) or "12-05-7": no phone ends on a one-digit group
        window = max(0, start - 40)
        window = max(window, text.rfind(_SEPARATOR, window, start) + 1)  # a phone word of this task only
        keyword = phone_field or PHONE_KEYWORD.search(text, window, start) is not None
        whole_value = (start == 0 or text[start - 1] == _SEPARATOR) and (
            stop == len(text) or text[stop] == _SEPARATOR
        )
        if run.isdigit() and not (keyword or whole_value):
            continue  # "Order 5598289529": a bare digit run is a phone after a phone word, or alone in a field
        level = PHONE_VALID if keyword or not run.isdigit() else PHONE_SHAPED  # alone: maybe an id
        tried: list[str] = []
        for k, region in enumerate(regions[:1] if international else regions):
            if k and not keyword:
                break
            tried.append(region)
            hits = [
                ((_opened(text, start + match.start, start + match.end), start + match.end), level)
                for match in phonenumbers.PhoneNumberMatcher(run, region, leniency=_LENIENCY)
                if sum(c.isdigit() for c in match.raw_string) == n_digits
            ]
            if hits:
                yield from hits
                break
        else:
            body = run[run.count("(") > run.count(")") :]  # "(" of the text, not of the number
            body = body[: len(body) - (body.count(")") > body.count("("))]
            if _shaped(body, tried, international):
                offset = run.index(body)
                end = start + offset + len(body)
                yield (_opened(text, start + offset, end), end), PHONE_SHAPED


def _opened(text: str, start: int, end: int) -> int:
    """The start of a phone span widened to the "(" before it when the span holds its ")" ("(+44) 20 ...")."""
    value = text[start:end]
    opens = start > 0 and text[start - 1] == "(" and value.count(")") > value.count("(")
    return start - 1 if opens else start
