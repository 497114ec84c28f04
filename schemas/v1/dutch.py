"""Dutch identifiers in their canonical written form: postcode, telephone number, BSN.

Pure functions without marshmallow, used by the schema fields and by the adapters' normalisation. Each
``normalise_*`` returns the canonical form, or ``None`` when the input is not a valid value of its kind;
each is idempotent on its own output.
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"([1-9][0-9]{3}) ?([A-Za-z]{2})")
_PHONE_SEPARATORS = re.compile(r"[\s\-./()]")
_DIGITS = re.compile(r"[0-9]+")
_BSN_SEPARATORS = re.compile(r"[\s.]")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_DUTCH_COUNTRY_CODE = "31"
_DUTCH_NATIONAL_DIGITS = 9
_E164_MIN_DIGITS = 8
_E164_MAX_DIGITS = 15


def normalise_postcode(text: str) -> str | None:
    """``"1234 ab"``, ``"1234AB"`` -> ``"1234AB"``: four digits (no leading zero), two capital letters.

    Letter pairs PostNL never issues (SA, SD, SS) are accepted: existence is the routing table's concern.
    """
    match = _POSTCODE.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1) + match.group(2).upper()


def normalise_phone(text: str) -> str | None:
    """A telephone number in E.164 (``+31612345678``), or ``None`` when it is not one.

    Accepts Dutch national numbers (``06-12345678``, ``010 123 4567``), ``+31``/``0031`` forms (also with the
    common ``(0)`` or a stray trunk ``0`` after the country code) and other countries' numbers written with
    ``+`` or ``00``. Spaces, hyphens, dots, slashes and brackets are ignored.
    """
    compact = _PHONE_SEPARATORS.sub("", text.replace("(0)", ""))
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    elif compact.startswith("0"):
        digits = _DUTCH_COUNTRY_CODE + compact[1:]
    else:
        return None
    if _DIGITS.fullmatch(digits) is None:
        return None
    if digits.startswith(_DUTCH_COUNTRY_CODE):
        national = digits[len(_DUTCH_COUNTRY_CODE) :].removeprefix("0")
        if len(national) != _DUTCH_NATIONAL_DIGITS or national.startswith("0"):
            return None
        return f"+{_DUTCH_COUNTRY_CODE}{national}"
    if not _E164_MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS or digits.startswith("0"):
        return None
    return f"+{digits}"


def bsn_passes_elfproef(bsn: str) -> bool:
    """Whether nine digits pass the BSN eleven test (weights 9..2 and -1; never all zeros)."""
    if len(bsn) != len(_BSN_WEIGHTS) or _DIGITS.fullmatch(bsn) is None or bsn == "0" * 9:
        return False
    return sum(int(digit) * weight for digit, weight in zip(bsn, _BSN_WEIGHTS, strict=True)) % 11 == 0


def normalise_bsn(text: str) -> str | None:
    """Nine digits passing the elfproef; spaces and dots are ignored, an 8-digit BSN gets its leading 0."""
    digits = _BSN_SEPARATORS.sub("", text)
    if len(digits) == len(_BSN_WEIGHTS) - 1:
        digits = "0" + digits
    return digits if bsn_passes_elfproef(digits) else None
