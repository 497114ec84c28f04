"""Normalisation of Dutch names, dates and addresses into the forms linkage tokens are derived from.

Two creditors write the same person differently ("van der Meer" / "Meer van der" / "MEER, VAN DER",
"Stettijn" / "Stettyn", "Müller" / "Muller", "126-I" / "126 1" / "126-1-hoog"); these functions map such
variants to one form. Every function is pure and idempotent: applying it to its own output changes nothing.
The values they return are personal data: they feed ``crypto.token`` and must never be logged or sent.

Phonetic key (``phonetic``): a small Dutch-aware key over the folded surname, applied until nothing changes:
``sch``->``s``, ``ch``->``g``, ``ph``->``f``, ``th``->``t``, ``ck``/``qu``/``q``->``k``, ``c`` before
``e i y``->``s`` and any other ``c``->``k``, ``x``->``ks``, ``z``->``s``, ``v``->``f``, ``uy``->``ui``,
``ei``/``ey``->``y`` (``ij`` is already ``y``), ``ie``->``i``, ``au``->``ou``, ``ae``->``a``, ``dt`` and a
final ``d``->``t``, and doubled letters collapse. It merges the spelling pairs Dutch registers confuse
(s/z, f/v, c/k, ei/ij, d/t at the end, old ``ae``/``uy`` spellings, long vowels written double); it is
weak evidence on its own and is only ever used together with the date of birth.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from schemas.v1 import dutch

#: Name prefixes (tussenvoegsels), as whole words after folding; removed wherever they stand in a surname.
PREFIXES = frozenset(
    {
        *("van", "de", "der", "den", "het", "t", "te", "ten", "ter", "in", "op", "aan", "bij", "uit"),
        *("onder", "over", "voor", "tot", "vd", "vdr", "v", "d", "s"),  # v./v.d. abbreviations, 't, 's, d'
        *("la", "le", "les", "du", "des", "di", "da", "del", "della", "dos", "el", "von", "vom", "zu", "zum"),
        *("am", "auf"),
    }
)
_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}
)
_NOT_LETTER = re.compile(r"[^a-z]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_PHONETIC_RULES = (
    (re.compile(r"sch"), "s"),
    (re.compile(r"ch"), "g"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"qu?"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "f"),
    (re.compile(r"uy"), "ui"),
    (re.compile(r"e[iy]"), "y"),
    (re.compile(r"ie"), "i"),
    (re.compile(r"au"), "ou"),
    (re.compile(r"ae"), "a"),
    (re.compile(r"dt"), "t"),
    (re.compile(r"d$"), "t"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)
_ROMAN_FLOORS = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_GROUND_FLOOR = {"HS": "H", "HUIS": "H"}
_MAX_SURNAME_KEYS = 4


def fold(text: str) -> str:
    """Lower-case ASCII letters in single-space-separated words: accents, digits and punctuation go, ij -> y.

    ``"  Müller-Lüdenscheidt "`` -> ``"muller ludenscheidt"``, ``"Stettijn"`` -> ``"stettyn"``. Letters
    outside the Latin script have no ASCII form and are dropped.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    latin = "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_SPECIAL_LETTERS)
    return " ".join(_NOT_LETTER.sub(" ", latin.replace("ij", "y")).split())


def surname_words(surname: str) -> list[str]:
    """The words of a surname without its prefixes, in order; all words if the name is only prefixes."""
    words = fold(surname).split()
    kept = [word for word in words if word not in PREFIXES]
    return kept or words


def surname(text: str) -> str:
    """A surname as one key: folded, prefixes removed wherever written, no spaces or hyphens.

    ``"van der Meer"``, ``"Meer van der"``, ``"MEER, V.D."`` -> ``"meer"``; ``"Jansen-van Dijk"`` ->
    ``"jansendyk"``.
    """
    # Joining words can bring an "i" and a "j" together ("Ki Jo"); fold them as fold() would, so that
    # a key normalises to itself (found by the hypothesis idempotence test).
    return "".join(surname_words(text)).replace("ij", "y")


def surname_keys(surname_text: str, birth_surname: str | None = None) -> list[str]:
    """Keys under which a person may be known: the surname, the birth surname, and each part of a double name.

    ``("Bovenen-Jansen van", None)`` -> ``["bovenenjansen", "bovenen", "jansen"]``; at most four keys,
    single letters excluded.
    """
    keys = [surname(surname_text)]
    if birth_surname:
        keys.append(surname(birth_surname))
    words = surname_words(surname_text)
    if len(words) > 1:
        keys.extend(words)
    unique = [key for key in dict.fromkeys(keys) if len(key) > 1]
    return unique[:_MAX_SURNAME_KEYS]


def phonetic(key: str) -> str:
    """The Dutch phonetic form of a folded surname key (see the module docstring); idempotent."""
    current = _NOT_LETTER.sub("", key)
    while True:
        changed = current
        for pattern, replacement in _PHONETIC_RULES:
            changed = pattern.sub(replacement, changed)
        if changed == current:
            return current
        current = changed


def first_initial(initials: str | None, first_names: str | None) -> str | None:
    """The first letter of the initials, else of the first names, folded (``"IJ."`` -> ``"y"``); or None."""
    for source in (initials, first_names):
        letters = fold(source or "").replace(" ", "")
        if letters:
            return letters[0]
    return None


def date_variants(day: dt.date) -> list[str]:
    """The ISO date, plus day and month swapped when that is another valid date (a common entry error)."""
    variants = [day.isoformat()]
    if day.day <= 12 and day.day != day.month:
        variants.append(day.replace(month=day.day, day=day.month).isoformat())
    return variants


def house_number_addition(text: str | None) -> str:
    """A house-number addition as one upper-case code; ``""`` when there is none.

    Separators go (``"-1"``, ``" 1"``, ``"/1"`` -> ``"1"``; ``" a"`` -> ``"A"``), a trailing ``hoog``
    (floor) goes (``"2-hoog"`` -> ``"2"``), floors in Roman numerals become digits (``"II"`` -> ``"2"``),
    ``hs``/``huis`` become ``H``, and leading zeros of a number go.
    """
    folded = unicodedata.normalize("NFKD", (text or "").upper())
    code = _NOT_ALNUM.sub("", "".join(char for char in folded if not unicodedata.combining(char)))
    code = re.sub(r"(?:HOOG)+$", "", code)
    code = _ROMAN_FLOORS.get(code, _GROUND_FLOOR.get(code, code))
    return (code.lstrip("0") or "0") if code.isdigit() else code


def split_house_number(text: str) -> tuple[int, str | None]:
    """Split a house number written with its addition: ``"126I"`` -> ``(126, "I")``, ``"12-2-hoog"`` ->
    ``(12, "2-hoog")``, ``"7"`` -> ``(7, None)``. Raises ``ValueError`` when it does not start with a number.
    """
    match = re.fullmatch(r"\s*0*(\d{1,5})\s*[-/.]?\s*(.*?)\s*", text)
    if match is None:
        raise ValueError("a house number must start with digits")
    return int(match.group(1)), match.group(2) or None


def postcode(text: str) -> str:
    """``"1234 ab"`` -> ``"1234AB"``; raises ``ValueError`` for anything that is not a Dutch postcode."""
    normalised = dutch.normalise_postcode(text)
    if normalised is None:
        raise ValueError("not a Dutch postcode")
    return normalised


def email(text: str) -> str:
    """Trimmed and lower-cased."""
    return text.strip().lower()


def phone(text: str) -> str:
    """E.164; raises ``ValueError`` when it is not a telephone number."""
    normalised = dutch.normalise_phone(text)
    if normalised is None:
        raise ValueError("not a telephone number")
    return normalised


def reference(text: str) -> str:
    """A creditor's customer or contract number: upper-case, without spaces (``" hc 6325 "`` -> ``"HC6325"``)."""
    return "".join(text.split()).upper()
