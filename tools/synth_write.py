"""How creditors write the people and addresses they hold, with the errors of real exports.

Each creditor keeps one customer record per person and one address record per dwelling, made the first
time it needs them and reused for every later signal, so a creditor repeats its own spelling. Across
creditors the same person differs: name prefix position and abbreviation ("van der Berg", "Berg, van
der", "vd Berg"), case, accents, ij/y, typos, a married name (with or without the birth name), initials
or full or call names, a missing, swapped or mistyped date of birth, an old phone number, and house-number
additions written in many ways or left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from typing import Any

from tools.synth_people import Dwelling, Person

_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
_ADDITIONS = {
    "H": ("H", "hs", "huis", "-H"),
    "1": ("1", "I", "-1", "1-hoog", "1 hoog", "01"),
    "2": ("2", "II", "-2", "2-hoog", "2 hoog", "02"),
    "3": ("3", "III", "-3", "3-hoog", "3 hoog"),
    "4": ("4", "IV", "-4", "4-hoog"),
}


@dataclass(frozen=True)
class Profile:
    """How often a creditor of one sector holds each optional field."""

    dob: float
    phone: float
    email: float


PROFILES = {
    "huur": Profile(dob=0.85, phone=0.6, email=0.5),
    "energie": Profile(dob=0.5, phone=0.55, email=0.5),
    "water": Profile(dob=0.45, phone=0.4, email=0.3),
    "zorg": Profile(dob=1.0, phone=0.7, email=0.7),
    "overige": Profile(dob=0.8, phone=0.3, email=0.2),
}


@dataclass(frozen=True)
class ErrorRates:
    """Probabilities of each kind of error, per customer or address record."""

    surname_typo: float = 0.025
    dob_swapped: float = 0.03
    dob_typo: float = 0.015
    call_name: float = 0.5  # of records written with first names: the call name instead of the official ones
    addition_missing: float = 0.05
    addition_unusual: float = 0.02  # "1e": a form that does not normalise
    number_typo: float = 0.006
    postcode_typo: float = 0.003

    def scaled(self, factor: float) -> ErrorRates:
        """Every error ``factor`` times as frequent (at most always), for a harder population."""
        return ErrorRates(**{name: min(1.0, value * factor) for name, value in dataclasses.asdict(self).items()})


class Writer:
    def __init__(self, rng: random.Random, rates: ErrorRates | None = None) -> None:
        self.rng, self.rates = rng, rates or ErrorRates()
        self._debtors: dict[tuple[str, str], dict[str, Any]] = {}
        self._addresses: dict[tuple[str, str], dict[str, Any]] = {}

    def debtor(self, creditor: str, sector: str, person: Person) -> dict[str, Any]:
        key = (creditor, person.id)
        if key not in self._debtors:
            self._debtors[key] = self._new_debtor(PROFILES[sector], sector, person)
        return dict(self._debtors[key])

    def address(self, creditor: str, dwelling: Dwelling, town: str) -> dict[str, Any]:
        key = (creditor, dwelling.id)
        if key not in self._addresses:
            self._addresses[key] = self._new_address(dwelling, town)
        return dict(self._addresses[key])

    # --- people ------------------------------------------------------------------------------------
    def _new_debtor(self, profile: Profile, sector: str, person: Person) -> dict[str, Any]:
        rng = self.rng
        record = self._surname(person)
        record.update(self._given_names(person))
        if rng.random() < profile.dob:
            record["date_of_birth"] = self._dob(person.dob).isoformat()
        elif "initials" not in record and "first_names" not in record:
            record["initials"] = person.first_names[0][0]  # a debtor needs something to link on
        phone = person.old_phone if person.old_phone and rng.random() < 0.5 else person.phone
        if phone and rng.random() < profile.phone:
            record["phone"] = self._phone(phone)
        if person.email and rng.random() < profile.email:
            record["email"] = person.email if rng.random() < 0.8 else person.email.capitalize()
        if sector == "zorg":
            record["bsn"] = person.bsn
        return record

    def _surname(self, person: Person) -> dict[str, Any]:
        rng = self.rng
        prefix, root = person.prefix, person.surname
        record: dict[str, Any] = {}
        if person.partner_name is not None and rng.random() < 0.55:
            partner_prefix, partner_root = person.partner_name
            own = f"{prefix} {root}".strip()
            if rng.random() < 0.65:
                prefix, root = partner_prefix, f"{partner_root}-{own}"
            else:
                prefix, root = partner_prefix, partner_root
                if rng.random() < 0.25:
                    record["birth_surname"] = own
        if rng.random() < self.rates.surname_typo:
            root = self._typo(root)
        root = self._spelling(root)
        record.update(self._prefixed(prefix, root))
        if rng.random() < 0.12:
            record["surname"] = record["surname"].upper()
        return record

    def _prefixed(self, prefix: str, root: str) -> dict[str, Any]:
        """The surname with its prefix written in one of the ways exports do."""
        if not prefix:
            return {"surname": root}
        styles = {
            "field": "",
            "inline": f"{prefix} {root}",
            "capital": f"{prefix[0].upper()}{prefix[1:]} {root}",
            "comma": f"{root}, {prefix}",
            "after": f"{root} {prefix}",
            "short": f"{self.rng.choice(('vd', 'v.d.', 'vd.'))} {root}"
            if prefix.startswith("van d")
            else f"{prefix} {root}",
            "dropped": root,
        }
        style = self.rng.choices(list(styles), (40, 18, 7, 10, 5, 13, 7))[0]
        return {"name_prefix": prefix, "surname": root} if style == "field" else {"surname": styles[style]}

    def _spelling(self, text: str) -> str:
        rng = self.rng
        if "ij" in text and rng.random() < 0.1:
            text = text.replace("ij", "y")
        if not text.isascii():
            if rng.random() < 0.05:
                text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
            if rng.random() < 0.4:
                text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        return text

    def _typo(self, word: str) -> str:
        rng = self.rng
        letters = [i for i, c in enumerate(word) if c.isalpha() and c.isascii() and i > 0]
        if not letters:
            return word
        i = rng.choice(letters)
        kind = rng.choice(("substitute", "delete", "transpose", "double"))
        if kind == "substitute":
            return word[:i] + rng.choice(_KEYBOARD) + word[i + 1 :]
        if kind == "delete" and len(word) > 3:
            return word[:i] + word[i + 1 :]
        if kind == "transpose" and i + 1 < len(word):
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        return word[:i] + word[i] + word[i:]

    def _given_names(self, person: Person) -> dict[str, Any]:
        rng = self.rng
        style = rng.choices(("initials", "first", "both", "none"), (40, 30, 22, 8))[0]
        letters = [name[0] for name in person.first_names]
        written = rng.choice((".".join(letters) + ".", "".join(letters), ". ".join(letters) + "."))
        names = person.call_name if rng.random() < self.rates.call_name else " ".join(person.first_names)
        if style == "initials":
            return {"initials": written}
        if style == "first":
            return {"first_names": names}
        if style == "both":
            return {"initials": written, "first_names": names}
        return {}

    def _dob(self, born: dt.date) -> dt.date:
        rng = self.rng
        if born.day <= 12 and born.day != born.month and rng.random() < self.rates.dob_swapped:
            return born.replace(day=born.month, month=born.day)
        if rng.random() < self.rates.dob_typo:
            shift = rng.choice(
                (dt.timedelta(days=1), dt.timedelta(days=-1), dt.timedelta(days=10), dt.timedelta(days=365))
            )
            return born + shift
        return born

    def _phone(self, number: str) -> str:
        national = number[1:]
        return self.rng.choice(
            (number, f"06-{national[1:]}", f"+31{national}", f"+31 6 {national[1:5]} {national[5:]}", f"0031{national}")
        )

    # --- addresses ---------------------------------------------------------------------------------
    def _new_address(self, dwelling: Dwelling, town: str) -> dict[str, Any]:
        rng, rates = self.rng, self.rates
        number, postcode = dwelling.number, dwelling.postcode
        if rng.random() < rates.number_typo:
            number = max(1, number + rng.choice((-2, 2, 10)))
        if rng.random() < rates.postcode_typo:
            postcode = postcode[:5] + rng.choice("BCEFGHJKLMNPRTVWXZ")
        address: dict[str, Any] = {
            "street": dwelling.street,
            "house_number": number,
            "postcode": rng.choice((postcode, f"{postcode[:4]} {postcode[4:]}", postcode.lower())),
            "town": town,
        }
        addition = dwelling.addition
        if addition is not None and rng.random() >= rates.addition_missing:
            if rng.random() < rates.addition_unusual and addition.isdigit():
                address["house_number_addition"] = f"{addition}e"
            else:
                forms = _ADDITIONS.get(addition, (addition, addition.lower(), f" {addition}", f"-{addition}"))
                address["house_number_addition"] = rng.choice(forms)
        return address
