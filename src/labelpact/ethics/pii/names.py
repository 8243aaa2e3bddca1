"""Person names found offline: name lists shipped in Faker, read as sets, combined with context words.

No model and no download: the first and last names of Faker's person providers (about 90 locales, MIT
licence, data files inside the wheel) become two sets of lower-case tokens; Faker's common English words
(its ``lorem`` word list), place names (countries, states, counties, cities) and a short list below of
words that people capitalise (months, titles, organisation and place heads) say where a listed name is
ambiguous. One compiled regex finds runs of capitalised words; each run is then judged by set lookups
(the one to three words before a run are the cue):

* a title (``Mr.``, ``Dr``) or a strong cue (``my name is``, ``Dear``, ``signed``, ``Regards,``,
  ``Reviewer:``) makes it a name unless it is a common word (``Dear Customer``, ``Dear Hiring Manager``);
* a listed first name followed by a listed or unlisted capitalised surname is a name (``Maria Okafor``),
  up to an organisation or place head (``Jordan River``, ``Ford Motor`` are not);
* after a weak cue (``Hi``, ``thanks``, ``I am``, ``ask for``, ``my colleague``) two capitalised words
  that are not common words are a name even when no list holds them;
* a listed first name alone counts only after a cue or before a verb of speech (``Maria said``), and
  never when it is also a common word or a place; lower-case names only after ``my name is``.

Confidences are ordinal levels, not calibrated probabilities: title or strong cue 0.9, first name and
listed surname 0.85, other pairs and lower-case names 0.6, a lone first name 0.5. Companies named after
people (``Morgan Stanley``) are taken for names: a known limit of lists without a model.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

__all__ = ["NameLists", "find_names", "name_lists", "name_lists_source"]

Scored = tuple[int, int, float]  # (start, end, confidence)
_SEPARATOR = "\x00"  # tasks of a field are joined by NUL: no cue reaches across it

_UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper() and c.isalpha())
_WORD = (
    rf"[{_UPPER}](?<![^\W_][{_UPPER}])(?:[^\W\d_]+(?:['’][^\W\d_]+)*|['’][^\W\d_]+)(?:-[{_UPPER}][^\W\d_]+)?"
)
_PARTICLE = r"(?:van der|van den|van|von|de la|del|de|da|di|du|dos|le|la|ter|ten|bin|al|el)"
_RUN = re.compile(rf"{_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?(?:{_WORD}|[{_UPPER}]\.(?=[ \t])))*")
# a capitalised pronoun or its contraction opening a run ("I'm Maria Okafor", "It's Anna"): not the name's
_PRONOUN = re.compile(
    r"(?:I|It|He|She|We|You|They|That|There|Here|Let|Who|What)['’](?:m|s|re|ve|ll|d)[ \t]+(?=\S)"
)

# Cues are the one to three words before a name, lower-cased, trailing ",:;" dropped; a label cue
# ("Reviewer:") needs its colon. Looked up in sets for the words before each capitalised run only.
_TITLE_TEXT = (
    "mr mrs ms mx miss dr prof professor sir dame madam madame mme mlle herr frau señor señora sr sra rev"
    " capt captain officer nurse judge senator"
)
_STRONG_TEXT = (
    "my name is|my name's|name|named|dear|signed|signed by|signed for by|sincerely|regards|best regards"
    "|kind regards|yours truly|yours faithfully|yours sincerely|attn|attention|c/o|je m'appelle|ich heiße"
    "|me llamo|mi chiamo"
)
_LABEL_TEXT = (
    "patient employee customer reviewer author contact sender recipient assignee reporter applicant tenant"
    " guest passenger driver from to cc"
)
_WEAK_TEXT = (
    "hi|hello|hey|thanks|thank you|cheers|best|i am|i'm|this is|ask for|speak to|speak with|spoke to|spoke with"
    "|talk to|talked to|contact|ich bin|our driver|our courier|our agent|our technician|my colleague"
    "|my manager|my friend|my wife|my husband|my son|my daughter|my doctor|my neighbour|my neighbor|my boss"
    "|my partner"
)
_TITLES = frozenset(_TITLE_TEXT.split())
_STRONG = frozenset(tuple(c.split()) for c in _STRONG_TEXT.split("|")) | {(t,) for t in _TITLES}
_LABELS = frozenset(_LABEL_TEXT.split())
_WEAK = frozenset(tuple(c.split()) for c in _WEAK_TEXT.split("|"))
_CUE_WORDS = frozenset(w for c in _STRONG | _WEAK for w in c[-1:]) | _LABELS
_SPEECH = frozenset(
    ("said", "says", "wrote", "writes", "asked", "asks", "told", "called", "emailed", "replied", "explained")
)
_VERB_AFTER = re.compile(
    r"[ \t]*(?:,[ \t]*)?(said|says|wrote|writes|asked|asks|told|called|emailed|replied|mentioned|explained"
    r"|confirmed|answered|noted|agreed|helped)\b"
)
_LOWERCASE_AFTER_NAME_CUE = tuple(  # literal heads keep each scan fast: "my name is john smith"
    re.compile(rf"{head} ([a-z]{{2,}})(?: ([a-z]{{2,}}))?")
    for head in ("name is", "me llamo", "m'appelle", "ich heiße", "mi chiamo")
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\x00\n\"“(*#>-])[ \t]*$")

# Words that are listed somewhere as a first or last name but are far more often something else once
# capitalised, beyond Faker's common-word list: calendar, titles, organisation and place heads, brands.
_AMBIGUOUS_WORDS = """january february march april may june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday christmas easter summer winter autumn spring
    customer client user team staff sir madam manager director officer support service services sales
    admin guest member colleagues friends all everyone world city town county state river lake bay
    beach valley mountain mount hill hills park square street road avenue lane station airport center
    centre hospital clinic church chapel school college university institute museum library hotel bank
    energy power motor motors airlines airways group labs systems technologies foods pharma capital
    partners holdings insurance media studio studios records cup league club united rangers city
    north south east west new old saint san santa los las le la el del grand great royal national
    international general central american british english french german spanish italian chinese
    christian islam jesus god lord allah amazon apple google microsoft tesla mercedes ford dell chase
    visa android windows galaxy pixel prime mac ok okay yes no please thanks hello hi hey dear best
    regards sincerely cheers love happy good great review product order shipping delivery price
    quality battery screen model pro max plus ultra mini lite air one two three four five six seven
    eight nine ten said asked told called mr mrs ms mx dr prof sir st"""
# Never a name, whatever a list says (Faker's lists hold a few as placeholders or rare spellings).
_FUNCTION_TEXT = (
    "the a an and or of to in on at by for with from ever never also just very not but this that my your our"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
_AMBIGUOUS_EXTRA = frozenset(_AMBIGUOUS_WORDS.split())
_ORG_WORDS = """street st road rd avenue ave lane drive boulevard blvd way place square river lake bay beach
    valley mountain mountains mount hill hills park station airport center centre hospital clinic church
    chapel cathedral school college university institute museum library hotel bank energy power motor
    motors airlines airways group labs laboratories systems technologies foods pharma pharmaceuticals
    capital partners holdings insurance media studio studios records cup league club united rangers
    city county state island islands falls springs heights gardens inc corp corporation ltd llc gmbh ag
    plc co company foundation trust association society council department ministry agency court
    bridge tower building hall arena stadium theatre theater mall market store shop cafe restaurant
    kitchen bakery pizza burger express airlines rail railway"""
_ORG_HEAD = frozenset(_ORG_WORDS.split()) | {
    "football",
    "soccer",
    "fc",
    "afc",
    "athletic",
    "times",
    "gazette",
}
# Words that open a place name: the word after them belongs to the place ("New York", "San Jose", "Fort Worth").
_PLACE_HEAD = frozenset(
    [
        "new",
        "north",
        "south",
        "east",
        "west",
        "upper",
        "lower",
        "greater",
        "san",
        "santa",
        "los",
        "las",
        "saint",
        "st",
        "fort",
        "port",
    ]
)


@dataclass(frozen=True, slots=True)
class NameLists:
    """Lower-case tokens: ``first`` and ``last`` names, ``ambiguous`` ones (common words, places)."""

    first: frozenset[str]
    last: frozenset[str]
    ambiguous: frozenset[str]


@functools.cache
def name_lists_source() -> str | None:
    """``Faker <version>`` when its name lists can be read here, else None (then names are not scanned)."""
    try:
        return f"Faker {version('faker')}"
    except PackageNotFoundError:
        return None


def _words(value: object, *, split: bool) -> set[str]:
    """Lower-case words of a Faker list or weighted dict; other attributes (formats) give none."""
    if not isinstance(value, (tuple, list, dict)):
        return set()
    items = [item.lower() for item in value if isinstance(item, str)]
    if split:
        return {w.strip(".") for item in items for w in item.split()}
    return {item for item in items if " " not in item}


def _provider_words(package: str, attributes: tuple[str, ...], *, split: bool = True) -> set[str]:
    """Words of these attributes in every locale of a Faker provider; whole one-word entries unless ``split``."""
    module: object = importlib.import_module(package)
    words: set[str] = set()
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        provider = getattr(importlib.import_module(f"{package}.{info.name}"), "Provider", None)
        for attribute in attributes:
            words |= _words(getattr(provider, attribute, None), split=split)
    return words


@functools.cache
def name_lists() -> NameLists:
    """The sets, built once per process from Faker's providers (about 0.3 s); needs ``faker`` installed."""
    has_case = re.compile(rf"[{_UPPER.lower()}]")
    first = _provider_words(
        "faker.providers.person",
        ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"),
    )
    last = _provider_words(
        "faker.providers.person",
        ("last_names", "last_names_male", "last_names_female", "last_names_nonbinary"),
    )
    lorem: object = importlib.import_module("faker.providers.lorem.en_US")  # English words only
    common = _words(getattr(getattr(lorem, "Provider", None), "word_list", None), split=True)
    places = _provider_words(
        "faker.providers.address",
        (
            "countries",
            "states",
            "counties",
            "cities",
            "regions",
            "departments",
            "city_suffixes",
            "street_suffixes",
        ),
        split=False,
    )
    keep = {w for w in first | last if len(w) > 1 and has_case.match(w)} - _FUNCTION_WORDS
    return NameLists(
        first=frozenset(first & keep),
        last=frozenset(last & keep),
        ambiguous=frozenset(common | places | _AMBIGUOUS_EXTRA),
    )


def _is_sentence_start(text: str, start: int) -> bool:
    return _SENTENCE_START.search(text, max(0, start - 4), start) is not None


def _cue(text: str, start: int) -> float:
    """How strongly the words before ``start`` announce a name: 0.9 title or strong cue, 0.5 weak, else 0."""
    head = text[max(0, start - 32) : start].split()
    if not head or head[-1].lower().rstrip(",:;.") not in _CUE_WORDS:
        return 0.0  # the common case: one set lookup
    raw = " ".join(head).rpartition(_SEPARATOR)[2].split()[-3:]
    if not raw:
        return 0.0
    words = tuple(w.lower().rstrip(",:;.") for w in raw)
    if raw[-1].endswith(":") and words[-1] in _LABELS:
        return 0.9
    if words[-1:] in _STRONG or words[-2:] in _STRONG or words[-3:] in _STRONG:
        return 0.9
    return 0.5 if words[-1:] in _WEAK or words[-2:] in _WEAK or words[-3:] in _WEAK else 0.0


def _extent(tokens: list[tuple[int, int, str]], i: int, lists: NameLists) -> int:
    """One past the last word of a name starting at ``tokens[i]``: up to four words, initials inside."""
    j, n = i + 1, len(tokens)
    while j < n and j - i < 4:
        word = tokens[j][2]
        if word.endswith("."):  # a middle initial never ends a name
            j += 1
            continue
        if word in _ORG_HEAD or (word in lists.ambiguous and word not in lists.last):
            break
        j += 1
    while j > i + 1 and tokens[j - 1][2].endswith("."):
        j -= 1
    return j


def _judge(text: str, tokens: list[tuple[int, int, str]], cue0: float, lists: NameLists) -> Iterator[Scored]:
    """Name spans among the tokens (words and initials, in order) of one capitalised run."""
    first, last, ambiguous = lists.first, lists.last, lists.ambiguous
    i, n = 0, len(tokens)
    while i < n:
        start, end, word = tokens[i]
        if word.endswith(".") or word in _ORG_HEAD or word in _TITLES:
            i += 1
            continue
        if word in _PLACE_HEAD and i + 1 < n and cue0 < 0.9:
            i += 2  # "New York Times": York is the place, not a first name
            continue
        j = _extent(tokens, i, lists)
        stop = tokens[j - 1][1]
        surname = tokens[j - 1][2] if j > i + 1 else None
        listed = word in first or word in last
        cue = cue0 if i == 0 else _cue(text, start) if tokens[i - 1][2].rstrip(".") in _CUE_WORDS else 0.0
        if cue >= 0.9 and (listed or not any(t[2] in ambiguous or t[2] in _ORG_HEAD for t in tokens[i:])):
            yield start, stop, 0.9
        elif surname is not None and word in first and (word not in ambiguous or surname in last):
            if surname in last and surname not in ambiguous and word not in ambiguous:
                yield start, stop, 0.85
            else:
                yield start, stop, 0.6
        elif cue and surname is not None and not any(t[2] in ambiguous for t in tokens[i:j]):
            yield start, stop, 0.6  # a weak cue and two or more capitalised words, none a common word
        elif surname is None and word in first and word not in ambiguous:
            verb = _VERB_AFTER.match(text, end)
            if cue or (verb and (verb.group(1) in _SPEECH or not _is_sentence_start(text, start))):
                yield start, end, 0.5
        else:
            j = i + 1
        i = j


def find_names(text: str) -> list[Scored]:
    """(start, end, confidence) of each person name in ``text`` (tasks may be joined by NUL), in order."""
    found: list[Scored] = []
    lists = name_lists()
    first, last, ambiguous = lists.first, lists.last, lists.ambiguous
    common: set[str] = set()  # lone words seen here that no cue makes a name ("The", "Shipping")
    for run in _RUN.finditer(text):
        value, offset = run.group(), run.start()
        pronoun = _PRONOUN.match(value)
        if pronoun is not None:
            value, offset = value[pronoun.end() :], offset + pronoun.end()
        if value in common:
            continue  # the common case: one set lookup
        if " " not in value and "\t" not in value:
            low = value.lower()
            if low not in first and (low in ambiguous or low in _FUNCTION_WORDS) and low not in last:
                common.add(value)
                continue
            cue = _cue(text, offset)
            if not cue and low not in first:
                continue
        else:
            cue = _cue(text, offset)
        tokens = []  # the capitalised words and initials of the run; particles ("van", "de") only join
        stop = offset
        for word in value.split():
            begin = text.index(word, stop)
            stop = begin + len(word)
            if word[0].isupper():
                tokens.append((begin, stop, word.lower()))
        found.extend(_judge(text, tokens, cue, lists))
    for pattern in _LOWERCASE_AFTER_NAME_CUE:  # lower-case names after "my name is": listed ones only
        for m in pattern.finditer(text):
            if m.group(1) in first and m.group(1) not in ambiguous:
                found.append((m.start(1), m.end(2) if m.group(2) and m.group(2) in last else m.end(1), 0.6))
    return sorted(found)
