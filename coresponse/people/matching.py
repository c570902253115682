"""One matcher for people search and the intake's duplicate check.

Both ask the same question, "who on record may this be?", and answer it the same way:

- **Names** are folded: lower case, accents, hyphens, apostrophes and spaces dropped
  ("El-Sayed", "El Sayed" and "elsayed" are all `elsayed`; "José" is `jose`). A name of
  several parts is also kept part by part (`el`, `sayed`), and a search's adjacent words
  are also tried joined, so "El Sayed" finds "ElSayed" and "Sayed" finds "El-Sayed".
- **Nicknames** come from the `nicknames` package (a hand-curated list of English given
  names and their nicknames): "Reggie" finds Reginald, and "Reginald" finds someone
  recorded as Reggie.
- **Similar spelling**: each name part has a phonetic code (NYSIIS, from `jellyfish`,
  made for names, less its vowels: "Kaled" and "Khaled" are both `CLD`, "Rivra" and
  "Rivera" `RVR`), and candidates are scored by Jaro-Winkler similarity, so a misheard
  or misspelt name still ranks, below exact ones.
- **Aliases**, **middle** and **preferred names** are names too, said as such.
- **Date of birth**, **phone** (any 4 or more trailing digits) and **address** (the
  street line, with or without the house number).

Every key a person is found by is stored in `person_search_key` (people/models.py),
made here by `person_keys` and written by the people services whenever the record
changes. The queries (people/queries.py) select candidates by equality or prefix on
those keys, which indexes read, and this module scores the few candidates in Python
and says why each matched ("nickname of Reginald", "phone ends 4321", "alias",
"similar spelling").
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

import jellyfish
from nicknames import NickNamer

from coresponse.people.details import name_key, phone_digits
from coresponse.people.models import SearchKeyKind

K = SearchKeyKind
NAME_KINDS = (K.FIRST, K.MIDDLE, K.LAST, K.PREFERRED, K.ALIAS)
# Nicknames are of given names: "Bill" finds William, not someone surnamed Williams.
GIVEN_KINDS = (K.FIRST, K.MIDDLE, K.PREFERRED, K.ALIAS)

# A word this long or longer is also looked up as a prefix and by its sound; a shorter
# one only as itself (a prefix of two letters would read a tenth of every name).
PREFIX_MIN = 3
PHONE_MIN = 4
ADDRESS_MIN = 4
# At most this many words of a name are matched (more is not a name).
NAME_WORDS_MAX = 6
# Adjacent words tried together, for names written with and without a space.
JOIN_MAX = 3

# Similar spelling: the same sound and fairly close, or very close whatever the sound.
_SIMILAR_WITH_SOUND, _SIMILAR_ALONE = 0.8, 0.9

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")

_SEPARATORS = re.compile(r"[^\w]+|_")
_HOUSE_NUMBER = re.compile(r"^(\d[\w-]*)\s+(.+)$")
# Street words as the USPS abbreviates them, so "Avenue" and "Ave" are one key.
_STREET_WORDS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd",
    "place": "pl", "drive": "dr", "lane": "ln", "court": "ct", "terrace": "ter",
    "parkway": "pkwy", "highway": "hwy", "expressway": "expy", "square": "sq",
    "plaza": "plz", "east": "e", "west": "w", "north": "n", "south": "s",
}  # fmt: skip
_STREET_SUFFIXES = frozenset(_STREET_WORDS) | frozenset(_STREET_WORDS.values()) - {
    "e", "w", "n", "s",
}  # fmt: skip


class QueryError(ValueError):
    """A search that cannot be run as typed; the message says what to type instead."""


# --- Keys: what a person is found by --------------------------------------------------


def fold(text: str) -> str:
    """Lower case, without accents or anything but letters and digits: 'El-Sayed' →
    'elsayed', 'José' → 'jose'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def name_parts(text: str) -> list[str]:
    """The folded words of a name: 'Mary-Ann  O’Brien' → ['mary', 'ann', 'o', 'brien']."""
    return [part for part in (fold(w) for w in _SEPARATORS.split(name_key(text))) if part]


def name_keys(text: str) -> list[str]:
    """The keys of one name field: the whole name folded, then each part if several."""
    parts = name_parts(text)
    if not parts:
        return []
    whole = "".join(parts)
    return list(dict.fromkeys([whole, *parts])) if len(parts) > 1 else [whole]


_CODE_VOWELS = re.compile("[AEIOUY]")


def phonetic(key: str) -> str | None:
    """How a folded name part sounds: its NYSIIS code without the vowels after the first
    letter, so that a vowel misheard, doubled or left out changes nothing ('rivera' and
    'rivra' are both RVR, 'khaled' and 'kaled' CLD, 'smith' and 'smyth' SNT).

    A code of fewer than three letters says too little ("Jean", "John", "Juan" and "Jane"
    would all be JN, and bring thousands of candidates): such a name keeps its whole
    NYSIIS code and its first two letters ('nunez' and 'nunes' NANnu, 'jon' and 'john'
    JANjo, 'jean' JANje). None when too short to say anything, or not in Latin letters.
    """
    if len(key) < PREFIX_MIN or not (key.isascii() and key.isalpha()):
        return None
    code = jellyfish.nysiis(key)
    skeleton = code[:1] + _CODE_VOWELS.sub("", code[1:])
    return skeleton if len(skeleton) >= 3 else code + key[:2]


def address_keys(line: str) -> tuple[str, str | None]:
    """An address line as (the whole line, the street without its house number or None):
    '12 Pennsylvania Avenue' → ('12pennsylvaniaave', 'pennsylvaniaave')."""
    text = name_key(line)
    match = _HOUSE_NUMBER.match(text)
    house, rest = (match[1], match[2]) if match else ("", text)
    words = [fold(w) for w in _SEPARATORS.split(rest)]
    street = "".join(_STREET_WORDS.get(w, w) for w in words if w)
    return fold(house) + street, (street if match and street else None)


def birth_key(when: date) -> str:
    return when.strftime("%Y%m%d")


def phone_key(digits: str) -> str:
    """A phone's digits reversed: a number ending in given digits is then a prefix."""
    return digits[::-1]


@dataclass(frozen=True)
class Key:
    kind: SearchKeyKind
    key: str
    phonetic: str | None = None


def person_keys(
    *,
    first_name: str,
    last_name: str,
    middle_name: str | None = None,
    preferred_name: str | None = None,
    date_of_birth: date | None = None,
    aliases: Iterable[str] = (),
    phones: Iterable[str] = (),
    address_lines: Iterable[str] = (),
) -> list[Key]:
    """Every key a person is found by, once each (`phones` as digits, as PersonPhone
    keeps them). Aliases, phones and addresses no longer current are given too: a name
    or number someone used once still finds them."""
    keys: dict[tuple[SearchKeyKind, str], Key] = {}

    def add(kind: SearchKeyKind, key: str, sound: str | None = None) -> None:
        if key and (kind, key) not in keys:
            keys[kind, key] = Key(kind, key[:160], sound)

    names = ((K.FIRST, [first_name]), (K.MIDDLE, [middle_name]), (K.LAST, [last_name]),
             (K.PREFERRED, [preferred_name]), (K.ALIAS, aliases))  # fmt: skip
    for kind, values in names:
        for value in values:
            for key in name_keys(value or ""):
                add(kind, key, phonetic(key))
    if date_of_birth is not None:
        add(K.BIRTH, birth_key(date_of_birth))
    for digits in phones:
        add(K.PHONE, phone_key(digits))
    for line in address_lines:
        whole, street = address_keys(line)
        add(K.ADDRESS, whole)
        add(K.STREET, street or "")
    return list(keys.values())


# --- Queries: what is looked for ------------------------------------------------------


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def nickname_relatives(word: str) -> frozenset[str]:
    """The names `word` is a nickname of, and its nicknames ('reggie' → reginald, ...)."""
    namer = _nicknamer()
    return frozenset((namer.nicknames_of(word) | namer.canonicals_of(word)) - {word})


def _canonical(query_word: str, stored: str) -> str:
    """Of a nickname pair, the full name ("nickname of Reginald" either way round). The
    list has some pairs both ways (reggie ↔ reginald): then the longer name."""
    namer = _nicknamer()
    one_way = stored in namer.nicknames_of(query_word), query_word in namer.nicknames_of(stored)
    if one_way == (True, False):
        return query_word
    if one_way == (False, True):
        return stored
    return max(query_word, stored, key=len)


@dataclass(frozen=True)
class Segment:
    """One word of a name, or adjacent words joined, as looked up."""

    start: int
    end: int  # the words start..end-1 of the name
    word: str
    nicknames: frozenset[str] = frozenset()
    sound: str | None = None

    @property
    def prefix(self) -> bool:
        return len(self.word) >= PREFIX_MIN

    def covers(self, index: int) -> bool:
        return self.start <= index < self.end


@dataclass(frozen=True)
class QueryName:
    """A name as typed, in folded words, with every way its words are looked up."""

    words: tuple[str, ...]
    segments: tuple[Segment, ...]

    @classmethod
    def of(cls, text: str) -> QueryName | None:
        words = tuple(name_parts(text))[:NAME_WORDS_MAX]
        if not words:
            return None
        segments = []
        for start in range(len(words)):
            for end in range(start + 1, min(start + JOIN_MAX, len(words)) + 1):
                word = "".join(words[start:end])
                segments.append(
                    Segment(
                        start, end, word,
                        nickname_relatives(word) if end == start + 1 else frozenset(),
                        phonetic(word),
                    )
                )  # fmt: skip
        return cls(words, tuple(segments))

    @property
    def required(self) -> list[int]:
        """The words the database must find (one letter may be an initial: Python checks)."""
        return [i for i, word in enumerate(self.words) if len(word) > 1]


class Purpose(enum.Enum):
    SEARCH = "search"
    DUPLICATES = "duplicates"


@dataclass(frozen=True)
class MatchQuery:
    """What is looked for: names (a search's, or intake's name and the aliases given),
    a birth date, a phone's digits and an address line's keys."""

    purpose: Purpose
    names: tuple[QueryName, ...] = ()
    birth: date | None = None
    phone: str | None = None
    address: str | None = None  # a prefix of PersonSearchKey.key of kind `address_kind`
    address_kind: SearchKeyKind = K.ADDRESS

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.birth or self.phone or self.address)

    @property
    def signals_besides_names(self) -> bool:
        return bool(self.birth or self.phone or self.address)

    @property
    def signals(self) -> int:
        """How many kinds of thing a search gave (a name, a birth date, a phone, an address)."""
        return sum(1 for s in (self.names, self.birth, self.phone, self.address) if s)


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _looks_like_address(words: Sequence[str]) -> bool:
    """A house number then a street ('12 Pennsylvania Ave'), or a street that ends in a
    street word ('Pennsylvania Avenue')."""
    if len(words) < 2:
        return False
    has_letters = any(ch.isalpha() for ch in "".join(words[1:]))
    if words[0][0].isdigit() and has_letters:
        return True
    return fold(words[-1]) in _STREET_SUFFIXES and not any(w[0].isdigit() for w in words[1:])


SEARCH_HELP = (
    "Search by a name (two letters or more), a date of birth (1984-03-02 or 03/02/1984), "
    "the last 4 or more digits of a phone number, or an address (12 Pennsylvania Ave)."
)


def parse_search(text: str) -> MatchQuery:
    """A search box's words as a query: a date of birth, a phone (no letters), an address
    (a house number then a street, or a street name), or a name with, optionally, a date
    of birth and phone digits beside it. Raises QueryError for words it cannot use."""
    text = " ".join(text.replace(",", " ").split())
    if not text:
        raise QueryError(SEARCH_HELP)
    when = parse_date(text)
    if when is not None:
        return MatchQuery(Purpose.SEARCH, birth=when)
    if not any(ch.isalpha() for ch in text):
        digits = phone_digits(text)
        if len(digits) < PHONE_MIN:
            raise QueryError(f"Give at least {PHONE_MIN} digits of a phone number. {SEARCH_HELP}")
        return MatchQuery(Purpose.SEARCH, phone=digits)
    words = text.split()
    if _looks_like_address(words):
        whole, street = address_keys(text)
        if words[0][0].isdigit():
            key, kind = whole, K.ADDRESS
        else:
            key, kind = street or whole, K.STREET
        if len(key) < ADDRESS_MIN:
            raise QueryError(SEARCH_HELP)
        return MatchQuery(Purpose.SEARCH, address=key, address_kind=kind)
    names, birth, phone = [], None, None
    for word in words:
        when = parse_date(word)
        if when is not None and birth is None:
            birth = when
        elif any(ch.isalpha() for ch in word):
            names.append(word)
        elif len(phone_digits(word)) >= PHONE_MIN and phone is None:
            phone = phone_digits(word)
        else:
            raise QueryError(f"“{word}” is not a name, a date or 4 or more digits. {SEARCH_HELP}")
    name = QueryName.of(" ".join(names))
    if name is None or not name.required:
        raise QueryError(f"Give at least two letters of a name. {SEARCH_HELP}")
    return MatchQuery(Purpose.SEARCH, names=(name,), birth=birth, phone=phone)


def duplicate_query(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None = None,
    phone: str | None = None,
    aliases: Iterable[str] = (),
    address_line: str | None = None,
) -> MatchQuery:
    """The intake's details as a query: the person's name and each alias given are names
    to look for, beside the birth date, the phone and the address."""
    texts = [f"{first_name} {last_name}", *aliases]
    names = [n for n in (QueryName.of(t) for t in texts) if n is not None and n.required]
    digits = phone_digits(phone or "")
    address = address_keys(address_line)[0] if address_line else ""
    return MatchQuery(
        Purpose.DUPLICATES,
        names=tuple(dict.fromkeys(names)),
        birth=date_of_birth,
        phone=digits if len(digits) >= PHONE_MIN else None,
        address=address if len(address) >= ADDRESS_MIN else None,
    )


# --- Scoring: how well a candidate matches, and why ------------------------------------


@dataclass(frozen=True)
class WordMatch:
    score: float
    kind: SearchKeyKind
    how: str  # exact, prefix, nickname, initial, similar
    reason: str


_KIND_REASON = {
    K.FIRST: "name", K.LAST: "name", K.MIDDLE: "middle name",
    K.PREFERRED: "preferred name", K.ALIAS: "alias",
}  # fmt: skip
# An exact match of the name the person goes by counts fully; an alias or middle name a
# little less, so that the person of that name ranks first.
_KIND_WEIGHT = {K.FIRST: 1.0, K.LAST: 1.0, K.PREFERRED: 1.0, K.ALIAS: 0.95, K.MIDDLE: 0.9}


def _match_word(segment: Segment, key: Key) -> WordMatch | None:
    word, stored = segment.word, key.key
    weight = _KIND_WEIGHT[key.kind]
    if stored == word:
        return WordMatch(weight, key.kind, "exact", _KIND_REASON[key.kind])
    if key.kind in GIVEN_KINDS and stored in segment.nicknames:
        name = _canonical(word, stored).title()
        return WordMatch(0.85 * weight, key.kind, "nickname", f"nickname of {name}")
    if segment.prefix and stored.startswith(word):
        score = (0.7 + 0.15 * len(word) / len(stored)) * weight
        return WordMatch(score, key.kind, "prefix", _KIND_REASON[key.kind])
    if len(word) == 1 and key.kind in GIVEN_KINDS and stored.startswith(word):
        return WordMatch(0.5, key.kind, "initial", "initial")
    if len(word) >= PREFIX_MIN:
        similarity = jellyfish.jaro_winkler_similarity(word, stored)
        same_sound = segment.sound is not None and segment.sound == key.phonetic
        if (same_sound and similarity >= _SIMILAR_WITH_SOUND) or similarity >= _SIMILAR_ALONE:
            return WordMatch(
                (0.5 + 0.4 * similarity) * weight, key.kind, "similar", "similar spelling"
            )
    return None


@dataclass(frozen=True)
class NameMatch:
    score: float  # the mean of its words' best scores
    words: tuple[WordMatch, ...]

    @property
    def all_exact_name(self) -> bool:
        return all(w.how == "exact" and w.kind in (K.FIRST, K.LAST) for w in self.words)


def match_name(name: QueryName, keys: Sequence[Key]) -> NameMatch | None:
    """How well the person's names match every word of `name` (None if a word matches
    nothing): each word by its best match, alone or joined with its neighbours."""
    best: list[WordMatch | None] = [None] * len(name.words)
    for segment in name.segments:
        for key in keys:
            if key.kind not in _KIND_WEIGHT:
                continue
            found = _match_word(segment, key)
            if found is None:
                continue
            for index in range(segment.start, segment.end):
                current = best[index]
                if current is None or found.score > current.score:
                    best[index] = found
    if any(word is None for word in best):
        return None
    words = tuple(w for w in best if w is not None)
    return NameMatch(sum(w.score for w in words) / len(words), words)


def _partly(name: QueryName, keys: Sequence[Key]) -> bool:
    """At least one word of the name matches one of the person's (a last name, say)."""
    return any(
        _match_word(segment, key) is not None
        for segment in name.segments
        if segment.end == segment.start + 1 and len(segment.word) > 1
        for key in keys
        if key.kind in _KIND_WEIGHT
    )


@dataclass(frozen=True)
class Match:
    """A person who matches, how well (higher is better) and why, in words."""

    person_id: int
    score: float
    reasons: tuple[str, ...]
    # The same name (first and last, exactly) and the same date of birth.
    exact: bool = False
    # For the order among equal scores: the person's folded last and first name.
    sort_name: tuple[str, str] = ("", "")

    @property
    def order(self) -> tuple[float, str, str, int]:
        return (-round(self.score, 6), *self.sort_name, self.person_id)


@dataclass
class _Signals:
    birth: bool = False
    phone_exact: bool = False
    phone: bool = False
    address: bool = False
    address_exact: bool = False
    reasons: list[str] = field(default_factory=list)


def _signals(query: MatchQuery, keys: Sequence[Key]) -> _Signals:
    found = _Signals()
    for key in keys:
        if query.birth is not None and key.kind is K.BIRTH and key.key == birth_key(query.birth):
            found.birth = True
        elif query.phone and key.kind is K.PHONE and key.key.startswith(phone_key(query.phone)):
            found.phone = True
            found.phone_exact |= key.key == phone_key(query.phone) and len(query.phone) >= 7
        elif query.address and key.kind is query.address_kind and key.key.startswith(query.address):
            found.address = True
            found.address_exact |= key.key == query.address
    return found


def score(query: MatchQuery, person_id: int, keys: Sequence[Key]) -> Match | None:
    """The person's match to the query, or None when they do not match.

    A search needs every word of its name to match (exactly, as a prefix, a nickname, an
    initial or by similar spelling); with no name, its date of birth, phone or address.
    The duplicate check takes anyone whose name or one of the aliases given matches
    closely, whose phone matches, or whose date of birth or address matches beside part
    of the name.
    """
    names = [(n, match_name(n, keys)) for n in query.names]
    matched = [(n, m) for n, m in names if m is not None]
    best = max(matched, key=lambda nm: nm[1].score, default=None)
    signals = _signals(query, keys)
    if query.purpose is Purpose.SEARCH:
        if query.names and best is None:
            return None
        if not query.names and not (signals.birth or signals.phone or signals.address):
            return None
        parts = [best[1].score if best else 0.0, float(signals.birth)]
        parts += [float(signals.phone), float(signals.address)]
        total = sum(parts) / max(query.signals, 1)
    else:
        strong = best is not None and best[1].score >= 0.75
        partly = bool(query.names) and _partly(query.names[0], keys)
        if not (
            strong or signals.phone or ((signals.birth or signals.address) and (partly or best))
        ):
            return None
        total = (best[1].score if best else 0.3 * partly) + 0.5 * signals.birth
        total += 0.5 * signals.phone + 0.25 * signals.address
    reasons: list[str] = []
    exact = False
    if best is not None:
        name, found = best
        same_name = found.all_exact_name and {w.kind for w in found.words} == {K.FIRST, K.LAST}
        if same_name and signals.birth:
            reasons.append("same name and date of birth")
            exact = True
        elif same_name:
            reasons.append("same name")
        else:
            reasons += [w.reason for w in found.words]
        if query.purpose is Purpose.DUPLICATES and name is not query.names[0]:
            reasons.append("alias")
    if signals.birth and not exact:
        reasons.append("same date of birth")
    if signals.phone:
        digits = query.phone or ""
        reasons.append("same phone number" if signals.phone_exact else f"phone ends {digits[-4:]}")
    if signals.address:
        same = signals.address_exact and query.purpose is Purpose.DUPLICATES
        reasons.append("same address" if same else "address")
    # The whole name is the longest key of its kind (the parts are shorter).
    last = max((k.key for k in keys if k.kind is K.LAST), key=len, default="")
    first = max((k.key for k in keys if k.kind is K.FIRST), key=len, default="")
    return Match(person_id, total, tuple(dict.fromkeys(reasons)), exact, (last, first))
