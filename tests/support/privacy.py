"""Synthetic people with distinctive identifiers, and a scanner that looks for any of them in a store.

Used by the privacy test and by ``scripts/privacy_scan.py``: submit signals about these people through
the real hub, then look for every name, street, date of birth, phone, e-mail and reference in every
column of every table and in the raw database bytes. The hub is blind only if nothing is found.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_FIRST = [
    "Annelies",
    "Bartholomeus",
    "Cornelia",
    "Desiree",
    "Evertjan",
    "Frederique",
    "Gijsbertus",
    "Hendrika",
    "Ingeborg",
    "Jacobus",
    "Klaziena",
    "Lodewijk",
    "Marijke",
    "Nicolaas",
    "Oenone",
    "Petronella",
]
_SYLLABLE_A = [
    "Zand",
    "Wijn",
    "Dekker",
    "Molen",
    "Brugge",
    "Hoog",
    "Vlieger",
    "Kamper",
    "Stroom",
    "Linde",
    "Eikel",
    "Vossen",
    "Haver",
    "Roozen",
    "Kwak",
    "Tulp",
]
_SYLLABLE_B = [
    "vliet",
    "bergen",
    "huizen",
    "kamp",
    "straat",
    "veld",
    "meijer",
    "broek",
    "gracht",
    "hoven",
    "wijk",
    "dijkstra",
    "horst",
    "waard",
    "mans",
    "sloot",
]
_LETTERS = "ABCEGHJKLMNPRTVXZ"
_STREETS = [
    "Lijsterbeslaan",
    "Goudsbloemstraat",
    "Korenbloemhof",
    "Zwanenvlietkade",
    "Reigersbekweg",
    "Nachtegaalpad",
    "Kastanjedreef",
    "Schuttersgilde",
]


@dataclass(frozen=True)
class Person:
    first_name: str
    surname: str
    street: str
    house_number: int
    postcode: str
    date_of_birth: dt.date
    phone: str
    email: str
    reference: str

    def identity(self) -> dict[str, Any]:
        return {
            "debtors": [
                {
                    "first_names": self.first_name,
                    "initials": self.first_name[0] + ".",
                    "surname": self.surname,
                    "date_of_birth": self.date_of_birth.isoformat(),
                    "phone": self.phone,
                    "email": self.email,
                }
            ],
            "address": {
                "street": self.street,
                "house_number": self.house_number,
                "postcode": self.postcode,
                "town": "Oudeschans",
            },
            "creditor_reference": self.reference,
        }

    def needles(self) -> list[str]:
        """Every way this person's data could leak, written as the hub might store it."""
        dob = self.date_of_birth
        mobile = self.phone.replace("-", "")
        return [
            self.surname,
            self.surname.lower(),
            self.surname.upper(),
            self.first_name,
            self.street,
            self.postcode.replace(" ", ""),
            dob.isoformat(),
            dob.strftime("%d-%m-%Y"),
            dob.strftime("%Y%m%d"),
            mobile,
            "+31" + mobile[1:],
            self.email,
            self.reference,
        ]


def people(count: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    names = list(itertools.product(_FIRST, _SYLLABLE_A, _SYLLABLE_B))
    rng.shuffle(names)
    out = []
    for index, (first, a, b) in enumerate(names[:count]):
        out.append(
            Person(
                first_name=first,
                surname=a + b,
                street=rng.choice(_STREETS),
                house_number=rng.randint(1, 400),
                postcode=f"{rng.randint(1000, 9999)} {rng.choice(_LETTERS)}{rng.choice(_LETTERS)}",
                date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 25_000)),
                phone=f"06-{rng.randint(10_000_000, 99_999_999)}",
                email=f"{first.lower()}.{(a + b).lower()}@example.nl",
                reference=f"KLANT-{index:05d}-{rng.randint(100_000, 999_999)}",
            )
        )
    return out


def table_values(engine: Engine) -> Iterator[tuple[str, str, bytes]]:
    """(table, column, value as bytes) for every non-null value in every table."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if value is None:
                        continue
                    yield table.name, str(column), value if isinstance(value, bytes) else str(value).encode()


_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e]{5,}")
#: A bytea value in pg_dump's COPY text: ``\\x`` and hex digits (the backslash doubled by COPY's escaping).
_DUMPED_BYTEA = re.compile(rb"\\\\x((?:[0-9a-f]{2})+)")


def dumped_bytes(dump: bytes) -> bytes:
    """A pg_dump with every bytea written back as the bytes it holds, as the table scan reads them.

    In hex, random ciphertext is made of the very characters a date of birth is written with (``19451006``
    turns up in about one run in six), so the dump's hex is scanned as what it encodes: a name or date
    stored in clear inside a bytea is still found, a chance run of hex digits is not."""
    return _DUMPED_BYTEA.sub(lambda match: bytes.fromhex(match.group(1).decode()), dump)


def find(needles: Iterable[str], haystacks: Iterable[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """(where, needle) for every needle found in any haystack.

    The needles are ASCII (``people`` makes them so), so a hit lies inside a run of printable bytes:
    every window of a needle's length in every such run is looked up in a set. That is linear in the
    printable bytes, where testing each needle against each haystack would be needles x bytes.
    """
    wanted = {n.encode("ascii") for n in needles if len(n) >= 5}
    lengths = sorted({len(n) for n in wanted})
    hits: set[tuple[str, str]] = set()
    for where, data in haystacks:
        for run in _PRINTABLE_RUN.findall(data):
            for length in lengths:
                if length > len(run):
                    break
                hits.update(
                    (where, run[i : i + length].decode())
                    for i in range(len(run) - length + 1)
                    if run[i : i + length] in wanted
                )
    return sorted(hits)


def scan(
    engine: Engine, needles: list[str], raw_files: Iterable[Path] = (), dump: bytes | None = None
) -> list[tuple[str, str]]:
    """Every place any needle occurs: table columns, raw database files, and a database dump."""
    haystacks: list[tuple[str, bytes]] = []
    by_column: dict[str, list[bytes]] = {}
    for table, column, value in table_values(engine):
        by_column.setdefault(f"{table}.{column}", []).append(value)
    haystacks.extend((where, b"\x00".join(values)) for where, values in by_column.items())
    haystacks.extend((str(path), path.read_bytes()) for path in raw_files if path.exists())
    if dump is not None:
        haystacks.append(("pg_dump", dumped_bytes(dump)))
    return find(needles, haystacks)
