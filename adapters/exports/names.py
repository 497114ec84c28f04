"""Splitting the combined fields some exports have: one name field and one street-and-number field.

``split_name("Jan Pieter van der Berg")`` gives first names ``Jan Pieter``, prefix ``van der`` and surname
``Berg``; ``split_address("Kerkstraat 12 A")`` gives ``("Kerkstraat", 12, "A")``. The rules, in order:

- name: a comma splits ``Surname, given names prefix`` (``Meer, J. van der``) unless only name prefixes
  follow it (``R. Ooijen, van``, the prefix written after the surname); prefixes written after the
  surname (``Linn Bovenen-Jansen van``) are moved to the prefix; the last remaining word is the surname,
  the prefix words just before it are the prefix, and the words before those are the given names. Given
  names that all look like initials (``T. D. P.``, ``PC``, ``j``) become initials, otherwise first names.
  A double surname written without a hyphen (``Smit Jansen``) cannot be told from a first name and a
  surname; such exports should use separate name columns.
- address: the house number is the first number after the street name that is followed only by an
  addition (``12 A``, ``25-1-hoog``, ``18-II``, ``150 bis``); a number inside the street name
  (``2e Jan Steenstraat 5``) therefore stays in it, but ``Plein 1944 12`` is read as number 1944 with
  addition 12, so such exports should use separate columns.

Errors are ``ValueError`` naming what is missing, never the value.
"""

from __future__ import annotations

import re
from typing import Final

from adapters import normalise

#: Name prefixes (tussenvoegsels) as written in names, compared case-insensitively. Single letters are
#: prefixes only when written in lower case (``v``, ``d'``): an upper-case ``V.`` is an initial.
PREFIX_WORDS: Final = frozenset(
    {
        *("van", "de", "der", "den", "het", "'t", "t", "te", "ten", "ter", "in", "op", "aan", "bij", "uit"),
        *("onder", "over", "voor", "tot", "vd", "v.d.", "vd.", "v/d", "van't", "'s", "d'", "v.", "v"),
        *("la", "le", "les", "du", "des", "di", "da", "del", "della", "dos", "el", "von", "vom", "zu", "zum"),
    }
)
_VOWELS = frozenset("aeiouyAEIOUY")
_MAX_INITIAL_LETTERS = 4
_NUMBER_START = re.compile(r"\d{1,5}(?!\d)")
_ADDITION = re.compile(r"(?:[-/.]?\s*[A-Za-z0-9]{1,4}){0,3}(?:\s*-?\s*hoog)?", re.IGNORECASE)
_MAX_ADDITION = 10


def is_prefix(word: str) -> bool:
    """Whether ``word`` is a name prefix (``van``, ``der``, ``'t``, lower-case ``v.``)."""
    folded = word.casefold()
    if folded not in PREFIX_WORDS:
        return False
    letters = [char for char in word if char.isalpha()]
    return len(letters) > 1 or word.islower()


def _is_initial(word: str) -> bool:
    letters = "".join(char for char in word if char.isalpha())
    if "." in word or len(letters) == 1 or not set(letters) & _VOWELS:
        return True
    odd_case = not (letters.istitle() or letters.isupper() or letters.islower())
    return len(letters) <= _MAX_INITIAL_LETTERS and odd_case


def _given(words: list[str]) -> dict[str, str]:
    if not words:
        return {}
    if all(_is_initial(word) for word in words):
        return {"initials": " ".join(words)}
    return {"first_names": " ".join(words)}


def _surname_and_prefix(words: list[str]) -> tuple[list[str], str, list[str]]:
    """(given-name words, surname, prefix words) from words ending in the surname and trailing prefixes."""
    trailing: list[str] = []
    while len(words) > 1 and is_prefix(words[-1]):
        trailing.insert(0, words.pop())
    surname = words.pop()
    leading: list[str] = []
    while words and is_prefix(words[-1]):
        leading.insert(0, words.pop())
    return words, surname, leading + trailing


def split_name(name: str) -> dict[str, str]:
    """The parts of a full name as identity-payload debtor fields (``initials`` or ``first_names``,
    ``name_prefix``, ``surname``); raises ``ValueError`` when there is no surname."""
    before, comma, after = name.partition(",")
    after_words = after.split()
    if comma and after_words and not all(is_prefix(word) for word in after_words):
        # "Meer, J. van der": the surname first, then the given names and the prefix
        if not before.split():
            raise ValueError("must contain at least a surname")
        given, prefix = [w for w in after_words if not is_prefix(w)], [w for w in after_words if is_prefix(w)]
        words, surname, more_prefix = _surname_and_prefix(before.split())
        given, prefix = words + given, more_prefix + prefix
    else:
        words = [*before.split(), *after_words]
        if not words:
            raise ValueError("must contain at least a surname")
        given, surname, prefix = _surname_and_prefix(words)
    if not surname:
        raise ValueError("must contain at least a surname")
    parts = {**_given(given), "surname": surname}
    if prefix:
        parts["name_prefix"] = " ".join(prefix)
    return parts


def split_address(text: str) -> tuple[str, int, str | None]:
    """(street, house number, addition or None) from ``"Kerkstraat 12 A"``; ``ValueError`` when no street
    is followed by a house number."""
    words = text.split()
    for index in range(1, len(words)):
        start = _NUMBER_START.match(words[index])
        if start is None:
            continue
        rest = " ".join(words[index:])[start.end() :].strip()
        if len(rest) <= _MAX_ADDITION and _ADDITION.fullmatch(rest):
            number, addition = normalise.split_house_number(" ".join(words[index:]))
            return " ".join(words[:index]), number, addition
    raise ValueError("must be a street followed by a house number, e.g. Kerkstraat 12 A")
