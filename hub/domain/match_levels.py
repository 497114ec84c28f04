"""Comparison levels of household matching: what two records' shared linkage tokens say. Pure rules.

The hub sees only which linkage tokens two records share (``agreed``) and which token kinds each record
carries (``schemas.v1.vocab``); from that come the Fellegi-Sunter levels of ``match_model.FEATURES``.
Kinds are stored as bit masks (bit i is ``vocab.TOKEN_KINDS[i]``) and shown in vocabulary order.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

from schemas.v1 import vocab

_BITS: Mapping[str, int] = {kind: 1 << index for index, kind in enumerate(vocab.TOKEN_KINDS)}
_ORDER: Mapping[str, int] = {kind: index for index, kind in enumerate(vocab.TOKEN_KINDS)}


def kinds_mask(kinds: Iterable[str]) -> int:
    """The token kinds as a bit mask (bit i is ``vocab.TOKEN_KINDS[i]``), as stored."""
    mask = 0
    for kind in kinds:
        mask |= _BITS[kind]
    return mask


@functools.lru_cache(maxsize=1 << len(vocab.TOKEN_KINDS))
def mask_kinds(mask: int) -> frozenset[str]:
    return frozenset(kind for kind, bit in _BITS.items() if mask & bit)


def ordered(kinds: Iterable[str]) -> tuple[str, ...]:
    """Kinds in vocabulary order, for explanations that read the same every time."""
    return tuple(sorted(set(kinds), key=_ORDER.__getitem__))


def person_levels(
    agreed: AbstractSet[str], mine: AbstractSet[str], theirs: AbstractSet[str], *, joint: bool = False
) -> dict[str, str]:
    """Comparison levels of two debtor records from the kinds they share (``agreed``) and carry.

    ``mine``/``theirs`` hold the debtor's person kinds and its signal's household kinds; ``joint`` says
    that either signal names two debtors (then a shared contract does not tell which debtor is which).
    A feature that either side lacks is left out (weight 0): a missing date of birth is no evidence
    either way. The surname + initial + postcode token counts only when a date of birth is missing on
    one side (with both dates known, ``name_dob`` already weighs surname and initial; counting both
    would make a father and son of one name at one address look alike), and its disagreement only at
    the same building (elsewhere the postcode alone explains it: people move).
    """
    both = mine & theirs
    levels: dict[str, str] = {}
    name_dob = _name_dob(agreed, both)
    if name_dob is not None:
        levels["name_dob"] = name_dob
    elif "surname_initial_postcode" in agreed:
        levels["name_place"] = "agree"
    elif "surname_initial_postcode" in both and "postcode_house_number" in agreed:
        levels["name_place"] = "differs"
    for kind in ("email", "phone", "bsn"):
        _agree_or_differ(levels, kind, kind, agreed, both)
    _address(levels, agreed, both)
    if "contract" in agreed:
        levels["contract"] = "joint" if joint else "agree"
    elif "contract" in both:
        levels["contract"] = "differs"
    return levels


def _name_dob(agreed: AbstractSet[str], both: AbstractSet[str]) -> str | None:
    if "surname_dob" in agreed or "phonetic_dob" in agreed:
        # the dates agree (perhaps with day and month swapped); initial_dob tells whether the initials do
        if "initial_dob" in both and "initial_dob" not in agreed:
            return "other_initial"
        return "surname" if "surname_dob" in agreed else "phonetic"
    if "initial_dob" in agreed:
        # same date and initial, another surname: a married name, or a stranger; at the same address
        # (or building) the stranger is far less likely
        at_home = "address" in agreed or "postcode_house_number" in agreed
        return "initial_home" if at_home else "initial"
    if "surname_dob" in both:
        return "differs"
    return None


def household_levels(
    agreed: AbstractSet[str], mine: AbstractSet[str], theirs: AbstractSet[str], person: str
) -> dict[str, str]:
    """Levels of two signals: their household kinds, and ``person``: whether a debtor of one is a debtor
    of the other (``same``, the best person score reaches the person threshold) or not (``none``)."""
    both = mine & theirs
    levels = {"person": person}
    _address(levels, agreed, both)
    _agree_or_differ(levels, "contract", "contract", agreed, both)
    return levels


def _agree_or_differ(
    levels: dict[str, str], feature: str, kind: str, agreed: AbstractSet[str], both: AbstractSet[str]
) -> None:
    if kind in agreed:
        levels[feature] = "agree"
    elif kind in both:
        levels[feature] = "differs"


def _address(levels: dict[str, str], agreed: AbstractSet[str], both: AbstractSet[str]) -> None:
    if "address" in agreed:
        levels["address"] = "address"
    elif "postcode_house_number" in agreed:
        levels["address"] = "number"
    elif "postcode_house_number" in both:
        levels["address"] = "differs"


def hard_conflict(agreed: AbstractSet[str], mine: AbstractSet[str], theirs: AbstractSet[str]) -> bool:
    """Two debtor records that cannot be one person: both dates of birth are known and differ (also
    with day and month swapped), or both BSNs are known and differ. Initials that differ are not enough:
    a call name ("Hans" for Johannes) is a common way of writing the same person."""
    levels = person_levels(agreed, mine, theirs)
    return levels.get("name_dob") == "differs" or levels.get("bsn") == "differs"
