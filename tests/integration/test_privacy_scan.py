"""The blind hub, checked the hard way: after signals about known people go through the real API, none of
their names, streets, dates of birth, phones, e-mails or references is anywhere in the store."""

import os
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from adapters.signals import open_signal_identity
from tests.support.chain import Chain
from tests.support.privacy import dumped_bytes, find, people, scan

PEOPLE = 300
BATCH = 50


def test_no_personal_data_anywhere_in_the_store(app: Flask, database_url: str) -> None:
    chain = Chain(app)
    gm = chain.add("gm0363", "municipality", "0363")
    creditors = [chain.add("woonstad", "housing"), chain.add("vattenfall", "energy"), chain.add("vitens", "water")]
    persons = people(PEOPLE)
    for index, creditor in enumerate(creditors):
        mine = persons[index::3]
        for start in range(0, len(mine), BATCH):
            batch = [chain.signal(creditor, gm, p.identity()) for p in mine[start : start + BATCH]]
            response = creditor.client.post("/v1/signals/batch", {"signals": batch})
            assert response.status_code == 201, response.data

    view = gm.client.get("/v1/municipality/signals?limit=1").json["signals"][0]
    sealed = {k: view["sealed"][k] for k in ("recipient", "key_id", "suite", "ciphertext")}
    opened = open_signal_identity(
        {"signal_id": view["id"], "sector": view["sector"], "sealed_identity": sealed}, gm.encryption_key, "gm0363"
    )
    assert opened["debtors"][0]["surname"] in {p.surname for p in persons}  # the data is in there, sealed

    engine = app.extensions["signaalhub"].engine
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM signals")).scalar_one() == PEOPLE
    url = sa.make_url(database_url)
    raw_files: list[Path] = []
    dump = None
    if url.get_backend_name() == "sqlite":
        raw_files = [Path(f"{url.database}{suffix}") for suffix in ("", "-wal", "-journal")]
    elif shutil.which("pg_dump"):
        dump = subprocess.run(
            ["pg_dump", "--data-only", url.set(drivername="postgresql").render_as_string(False)],
            check=True,
            capture_output=True,
            env=dict(os.environ),
        ).stdout
    hits = scan(engine, [n for p in persons for n in p.needles()], raw_files, dump)
    assert hits == [], f"personal data found in the store: {hits[:10]}"


def test_the_scanner_finds_what_is_there(app: Flask) -> None:
    """Guard against a scanner that cannot fail: a planted surname is found, in the table and nowhere else."""
    persons = people(3)
    engine = app.extensions["signaalhub"].engine
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organisations (id, name, kind, disabled, created_at, updated_at) "
                "VALUES ('leak', :name, 'water', false, '2026-01-01', '2026-01-01')"
            ),
            {"name": persons[1].surname},
        )
    hits = scan(engine, persons[1].needles())
    assert hits == [("organisations.name", persons[1].surname)]


def test_the_dump_is_scanned_for_what_its_bytea_values_hold() -> None:
    """pg_dump writes bytea as hex, whose digits can spell a date of birth by chance; it is scanned as the
    bytes it encodes, so a name stored in clear inside a bytea is found and a chance run of digits is not."""
    dump = b"COPY public.blobs (b) FROM stdin;\n\\\\x0a19451006ff\n\\\\x" + b"Jansen".hex().encode() + b"\n\\.\n"
    assert find(["19451006", "Jansen"], [("pg_dump", dumped_bytes(dump))]) == [("pg_dump", "Jansen")]
    assert find(["19451006"], [("pg_dump", dump)]) == [("pg_dump", "19451006")]  # what the raw text would say
