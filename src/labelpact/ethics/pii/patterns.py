"""Compiled candidate patterns, their validators and the masks that replace a value in reports.

Each detector runs one compiled regex over a whole field (all tasks joined by NUL, so one ``finditer``
covers thousands of tasks), then keeps only the candidates whose checksum or structural rules hold.
Context rules, documented where they apply: a dotted quad after a version word (``v``, ``version``,
``release``, ``build``, ``firmware``, ``sdk``, ``update``, ``upgrade to``, ``patch``, ``section``,
``clause``, ``§``) or a comparison (``>=``), or followed by ``-``, is a version string, not an IP
address; a bare nine-digit run is an SSN or SIN only after its keyword (``SSN``, ``social security``;
``SIN``, ``social insurance``), while the separated forms always are; phone rules are in ``pii.phones``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from typing import Literal, TypeAlias

from labelpact.ethics.pii.checksums import (
    IBAN_LENGTHS,
    card_brand,
    dni_valid,
    iban_valid,
    luhn_valid,
    nino_valid,
    sin_valid,
    ssn_valid,
)
from labelpact.ethics.pii.folded import fold

__all__ = [
    "DETECTORS",
    "ENTITIES",
    "PHONE_CANDIDATE",
    "PHONE_KEYWORD",
    "Entity",
    "Span",
    "mask",
    "phone_context_ok",
    "phone_shaped",
]

Entity: TypeAlias = Literal[
    "url_credentials", "email", "iban", "card", "ssn", "sin", "nino", "dni", "ip", "phone", "address", "name"
]
# Priority order: where two findings overlap, the one earlier here wins (a checksum beats a phone guess).
ENTITIES: tuple[Entity, ...] = (
    "url_credentials",
    "email",
    "iban",
    "card",
    "ssn",
    "sin",
    "nino",
    "dni",
    "ip",
    "phone",
    "address",
    "name",
)
Span: TypeAlias = tuple[int, int]

# Patterns start with a literal or a character class and test what precedes them afterwards: Python's
# regex engine then skips ahead to candidate characters instead of trying every position.
# Local parts and domain labels in any script (RFC 6531: "josé.garcía@", "müller@"), apostrophes inside
# ("o'connor@"); a local part never starts in the middle of a word (_LOCAL_CONTINUES before it: skipped).
_EMAIL_DOMAIN = re.compile(r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+([A-Za-z]{2,24})(?![\w-])")
_EMAIL_LOCAL = re.compile(r"[^\W_][\w.%+'-]{0,63}$")
_LOCAL_CONTINUES = re.compile(r"[\w.%+-]")
_FILE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "css", "js", "json", "txt", "pdf"}
)
_URL_SCHEME = re.compile(r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}$")
_URL_AUTHORITY = re.compile(r"://[^\s:/@?#]+:[^\s/@?#]+@[^\s/:?#]+")
_CARD = re.compile(r"[0-9](?<![\w+-][0-9])(?:[ .-]?[0-9]){11,18}(?![\w-])")
# From the first check digit, after a two-letter country code of either case: digits are rarer than letters.
_IBAN = re.compile(r"[0-9](?<=[A-Za-z]{2}[0-9])(?<!\w[A-Za-z]{2}[0-9])[0-9](?: ?[A-Za-z0-9]){11,30}\b")
_SSN_SEPARATED = re.compile(r"[0-9](?<![\w.-][0-9])[0-9]{2}([- .])([0-9]{2})\1([0-9]{4})(?![\w-])")
_SIN_SEPARATED = re.compile(r"[0-9](?<![\w-][0-9])[0-9]{2}([- ])[0-9]{3}\1[0-9]{3}(?![\w-])")
_COUNTRY_CODE_BEFORE = re.compile(r"\+\d{1,3}[ -]?\(?$")  # "+61 412 341 844" is a phone, not a SIN
_IBAN_HEAD_BEFORE = re.compile(r"\b[A-Z]{2}\d{2} ?$")  # digits of an IBAN (even a broken one) are no card
_IBAN_RUN_BEFORE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})* ?$")
_NINE_DIGITS = re.compile(r"[0-9](?<![\w-][0-9])[0-9]{8}(?![\w-])")
_SSN_KEYWORD = re.compile(r"(?i)\b(?:ssn|ss#|social security(?: number| no\.?| #)?)\W{0,3}(?:is\W{0,2})?$")
_SIN_KEYWORD = re.compile(r"(?i)\b(?:sin|social insurance(?: number| no\.?| #)?)\W{0,3}(?:is\W{0,2})?$")
_NINO = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b")
_DNI = re.compile(r"[0-9XYZ](?<![\w-][0-9XYZ])[0-9]{6,7}-?[A-HJ-NP-TV-Z](?![\w-])")
_IPV4 = re.compile(r"[0-9](?<![\w.-][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![\w-]|\.[0-9])")
# a version word (then maybe "=" or ":", as in "version=1.2.3.4") or a comparison ("pkg>=1.2.3.4"); a lone
# "=" is an assignment ("phone=4155552671", "client_ip=10.0.0.5"), not a version pin
_VERSION_CONTEXT = re.compile(
    r"(?i)(?:(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bsdk|\bupdate|\bupgraded?(?: to)?|\bpatch"
    r"|\bsection|\bclause|§)\s*[=:]?|[<>~!]=?|==)\s*$"
)
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:.])")
_IPV6_TRIGGER = re.compile(r":[0-9A-Fa-f]{0,4}:")
_STREET_SUFFIX = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter"
    "|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl"
)
_ADDRESS = re.compile(
    r"[0-9](?<!\w[0-9])[0-9]{0,5}[ \t]+(?:[NSEW]\.?[ \t]+)?(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th))(?:[ \t]+[A-Z][a-z]+){0,3}"
    rf"[ \t]+(?:{_STREET_SUFFIX})\b\.?(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit)\.?[ \t]*#?[A-Za-z0-9]+)?"
)
# Cheap prefilter for phone numbers: a maximal run of digits with the separators people write; it may
# not start inside another run ("ORD-2018-...", "#3428 334143 ...", "1.2.3").
PHONE_CANDIDATE = re.compile(r"(?:\+ ?)?\(?[0-9](?:[ \t().\-/]{0,2}[0-9]){6,}\)?")
_INSIDE_A_RUN = re.compile(r"(?:[\w+/#.]|\w-|[0-9][ \t./])$")
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}([/.-])[0-9]{1,2}\1[0-9]{2,4}\b")
# A phone word; "number" only as someone's ("my number", "my Israeli number"), never alone and never an id's
# ("order number 2125551234", "your tracking number").
_ID_WORDS = (
    "order|serial|invoice|tracking|model|account|reference|ticket|case|booking|confirmation|policy|part|item"
)
PHONE_KEYWORD = re.compile(
    r"(?i)\b(?:phone|tel|telephone|call|mobile|cell|fax|reach|contact|whatsapp|ring|text|dial|tél|telefon"
    rf"|(?:my|your|his|her|our|their)\s+(?!(?:{_ID_WORDS})\b)(?:\w+\s+)?number)\b"
)


_ISBN_BEFORE = re.compile(r"(?i)\bisbn(?:-1[03])?:?[ \t]*$")
_NANP_SHAPE = re.compile(r"(?:\+?1[ .-]?)?(?:\([0-9]{3}\) ?|[0-9]{3}([ .-]))[0-9]{3}([ .-])[0-9]{4}")
_DIGIT_GROUP = re.compile(r"[0-9]+")


def phone_shaped(run: str, *, nanp: bool, trunk_prefix: str | None) -> bool:
    """True where ``run`` is written as people write phone numbers, whatever its numbering plan says.

    NANP: ``(415) 555-2671``, ``415-555-2671``, ``415.555.2671`` (one separator, 3-3-4 digits).
    Elsewhere: at least two groups of two or more digits; in national format it starts with the trunk
    prefix (``0`` in most of Europe). ISBNs (one-digit groups) and tracking or order numbers (one run,
    or more digits than any plan allows, checked by the caller) do not pass.
    """
    if nanp:
        m = _NANP_SHAPE.fullmatch(run)
        return m is not None and (m.group(1) is None or m.group(1) == m.group(2))
    international = run.startswith("+")
    groups = _DIGIT_GROUP.findall(run)[1 if international else 0 :]
    if len(groups) < 2 or any(len(g) < 2 for g in groups):
        return False
    return international or (trunk_prefix is not None and groups[0].startswith(trunk_prefix))


def phone_context_ok(text: str, start: int) -> bool:
    """False where a digit run continues a word or code ("ORD-2018-...", "#3428 ..."), follows a version
    word or sits inside an IBAN-like group run: then it is no phone number."""
    return not (
        _INSIDE_A_RUN.search(text, max(0, start - 2), start)
        or _DATE_LIKE.match(text, start)
        or _VERSION_CONTEXT.search(text, max(0, start - 24), start)
        or _ISBN_BEFORE.search(text, max(0, start - 12), start)
        or _IBAN_RUN_BEFORE.search(text, max(0, start - 40), start)
    )


def _emails(text: str) -> Iterator[Span]:
    for m in _EMAIL_DOMAIN.finditer(text):
        at = m.start()
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        if local is None or (local.start() > 0 and _LOCAL_CONTINUES.match(text, local.start() - 1)):
            continue
        if ".." in local.group() or local.group().endswith(".") or m.group(1).lower() in _FILE_EXTENSIONS:
            continue
        yield local.start(), m.end()


def _url_credentials(text: str) -> Iterator[Span]:
    for m in _URL_AUTHORITY.finditer(text):
        scheme = _URL_SCHEME.search(text, max(0, m.start() - 16), m.start())
        if scheme is not None:
            yield scheme.start(), m.end()


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = raw.replace(" ", "").replace("-", "").replace(".", "")
        if len(digits) < 12 or not luhn_valid(digits) or card_brand(digits) is None:
            continue
        if _IBAN_HEAD_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            continue
        separators = {c for c in raw if not c.isdigit()}
        if len(separators) > 1:
            continue
        if (
            separators
        ):  # grouped as printed on cards: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners); " ", "-", "."
            groups = tuple(len(g) for g in raw.split(separators.pop()))
            if not (all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4) and groups not in (
                (4, 6, 5),
                (4, 6, 4),
            ):
                continue
        yield m.span()


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        start = m.start() - 2
        length = IBAN_LENGTHS.get(text[start : m.start()].upper())
        if length is None:
            continue
        seen, end = 0, start
        for end in range(start, m.end()):
            if text[end] != " ":
                seen += 1
                if seen == length:
                    break
        end += 1
        if seen < length or (end < m.end() and text[end] != " "):
            continue
        if iban_valid(text[start:end].replace(" ", "").upper()):
            yield start, end


def _after_keyword(text: str, start: int, keyword: re.Pattern[str]) -> bool:
    return keyword.search(text, max(0, start - 40), start) is not None


def _ssns(text: str) -> Iterator[Span]:
    for m in _SSN_SEPARATED.finditer(text):
        if ssn_valid(m.group()[:3], m.group(2), m.group(3)) and not _after_keyword(
            text, m.start(), _COUNTRY_CODE_BEFORE
        ):
            yield m.span()
    for m in _NINE_DIGITS.finditer(text):
        d = m.group()
        if ssn_valid(d[:3], d[3:5], d[5:]) and _after_keyword(text, m.start(), _SSN_KEYWORD):
            yield m.span()


def _sins(text: str) -> Iterator[Span]:
    for m in _SIN_SEPARATED.finditer(text):
        if sin_valid(m.group().replace(m.group(1), "")) and not _after_keyword(
            text, m.start(), _COUNTRY_CODE_BEFORE
        ):
            yield m.span()
    for m in _NINE_DIGITS.finditer(text):
        if sin_valid(m.group()) and _after_keyword(text, m.start(), _SIN_KEYWORD):
            yield m.span()


def _ninos(text: str) -> Iterator[Span]:
    for m in _NINO.finditer(text):
        if nino_valid(m.group().replace(" ", "")):
            yield m.span()


def _dnis(text: str) -> Iterator[Span]:
    for m in _DNI.finditer(text):
        if dni_valid(m.group().replace("-", "")):
            yield m.span()


def _ips(text: str) -> Iterator[Span]:
    for m in _IPV4.finditer(text):
        octets = m.group().split(".")
        if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
            continue
        if _VERSION_CONTEXT.search(text, max(0, m.start() - 24), m.start()):
            continue
        yield m.span()
    last = -1
    for trigger in _IPV6_TRIGGER.finditer(text):
        if trigger.start() < last:
            continue
        found = _IPV6.search(text, max(0, trigger.start() - 5), trigger.end() + 40)
        if found is None or found.start() > trigger.start():
            continue
        last = found.end()
        candidate = found.group()
        if sum(c != ":" for c in candidate) < 3:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield found.span()


def _addresses(text: str) -> Iterator[Span]:
    for m in _ADDRESS.finditer(text):
        yield m.span()


# Phone numbers and names need a library or a model: pii.py runs them after these.
DETECTORS: dict[Entity, Callable[[str], Iterator[Span]]] = {
    "url_credentials": _url_credentials,
    "email": _emails,
    "iban": _ibans,
    "card": _cards,
    "ssn": _ssns,
    "sin": _sins,
    "nino": _ninos,
    "dni": _dnis,
    "ip": _ips,
    "address": _addresses,
}


def _star_alnum(value: str, keep_last: int) -> str:
    """Every letter and digit as ``*`` except the last ``keep_last`` ones; separators stay."""
    total = sum(c.isalnum() for c in value)
    out, seen = [], 0
    for c in value:
        if c.isalnum():
            seen += 1
            out.append(c if seen > total - keep_last else "*")
        else:
            out.append(c)
    return "".join(out)


def mask(entity: Entity, value: str) -> str:
    """A preview that shows the shape of ``value`` but never enough of it to identify anyone.

    ``j***@e***.com``, ``**** **** **** 1234``, ``***-**-6789``, ``DE** **** … 3000``, ``https://***:***@host``.
    The value is read folded (``folded.fold``: NFKC, no format characters), as the scan read it, so a value
    typed in full-width forms (``alice：s3cret＠host``) is masked like its plain spelling.
    """
    value = fold(value).text
    if entity == "email":
        local, _, domain = value.partition("@")
        head, _, tld = domain.rpartition(".")
        return f"{local[:1]}***@{head[:1]}***.{tld}"
    if entity == "url_credentials":
        scheme, _, rest = value.partition("://")
        return f"{scheme}://***:***@{rest.rpartition('@')[2]}"
    if entity == "iban":
        return value[:2] + _star_alnum(value[2:], 4)
    if entity in ("card", "ssn", "sin"):
        return _star_alnum(value, 4)
    if entity == "ip":
        if ":" in value:
            return value.split(":", 1)[0] + ":" + _star_alnum(value.split(":", 1)[1], 0)
        return value.split(".", 1)[0] + ".*.*.*"
    if entity == "phone":
        return _star_alnum(value, 2)
    if entity in ("address", "name"):
        return " ".join(word[:1] + "*" * (len(word) > 1) * 3 for word in value.split())
    return _star_alnum(value, 1)  # nino, dni: the check letter alone says nothing
