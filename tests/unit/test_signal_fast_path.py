"""``SignalSchema``'s fast path (``schemas.v1.signal._plainly_valid``) against the full marshmallow load:
it takes the envelopes adapters send, and for any input it either declines or loads exactly what the full
path loads (same values, same types). Never more: an envelope the schema refuses is never accepted."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from schemas.v1 import clock, vocab
from schemas.v1.signal import SignalBatchSchema, SignalSchema, _plainly_valid, load_signal
from tests.unit import signal_data
from tests.unit.signal_data import envelope, sealed_blob


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


def full_load(body: Any) -> Any:
    """The schema's own load, field by field, without the fast path; None when it refuses ``body``."""
    try:
        return Schema.load(SignalSchema(), body)
    except ValidationError:
        return None


def typed(value: Any) -> Any:
    """``value`` with the type of every part in it: ``True == 1`` and ``1.0 == 1`` in Python, not here."""
    if isinstance(value, dict):
        return ("dict", sorted((key, typed(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def assert_never_more(body: Any) -> None:
    fast = _plainly_valid(body)
    if fast is not None:
        full = full_load(body)
        assert full is not None, "the fast path accepted an envelope the schema refuses"
        assert typed(fast) == typed(full)


def _plain_envelopes() -> list[dict[str, Any]]:
    withdrawn = envelope(supersedes=str(uuid.uuid4()), status="withdrawn", crisis=None)
    no_optional = envelope()
    del no_optional["crisis"], no_optional["status"]
    x25519 = envelope(sealed_identity=sealed_blob(size=200, suite="x25519"))
    two_debtors = envelope(tokens=[*envelope()["tokens"], {"kind": "email", "value": "A" * 43, "debtor": 1}])
    energy = envelope(sector="energie", crisis={"kind": "end_of_supply", "date": "2026-12-01"})
    return [envelope(), withdrawn, no_optional, x25519, two_debtors, energy]


@pytest.mark.parametrize(
    "body", _plain_envelopes(), ids=["plain", "withdrawn", "no-optional", "x25519", "two-debtors", "energy"]
)
def test_plain_envelopes_take_the_fast_path_and_load_as_the_schema_loads(body: dict[str, Any]) -> None:
    fast = _plainly_valid(body)
    assert fast is not None
    assert typed(fast) == typed(full_load(body))
    assert typed(load_signal(body)) == typed(fast)


def test_a_batch_loads_through_the_fast_path_to_what_the_full_path_loads() -> None:
    bodies = _plain_envelopes()
    for body in bodies:
        body["signal_id"] = str(uuid.uuid4())
    loaded = SignalBatchSchema().load({"signals": bodies})["signals"]
    assert [typed(signal) for signal in loaded] == [typed(full_load(body)) for body in bodies]


#: Values unlike the plain ones in type or form, or out of range, tried in every field of the envelope.
ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    0,
    -1,
    1,
    2,
    True,
    False,
    1.0,
    85698.0,
    2**63,
    "1",
    [],
    {},
    ["huur"],
    {"kind": "eviction"},
    "huur",
    "HUUR",
    "withdrawn",
    "eviction",
    "end_of_supply",
    "contract",
    "2026-11-01",
    "2026-1-05",
    "20261101",
    "2026-W44-7",
    "2026-11-01T00:00:00",
    "2026-02-30",
    "2027-01-01",
    "2020-12-31",
    "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0660\u0661",
    "0363",
    "0363 ",
    "\uff10\uff13\uff16\uff13",
    "036",
    signal_data.SIGNAL_ID,
    signal_data.SIGNAL_ID.upper(),
    "{" + signal_data.SIGNAL_ID + "}",
    "urn:uuid:" + signal_data.SIGNAL_ID,
    signal_data.SIGNAL_ID.replace("-", ""),
    "gm0363",
    "gm0363-enc-20261123-ab12",
    "Gm0363",
    "mlkem768-x25519",
    "x25519",
    base64.b64encode(bytes(1400)).decode(),
    base64.b64encode(bytes(1400)).decode().rstrip("="),
    base64.b64encode(bytes(1001)).decode().rstrip("="),
    base64.urlsafe_b64encode(b"\xfb\xff" * 700).decode(),
    base64.b64encode(bytes(40)).decode(),
    base64.b64encode(bytes(vocab.MAX_SEALED_BYTES + 3)).decode(),
    " " + base64.b64encode(bytes(1400)).decode(),
    "A" * 43,
    "A" * 42 + "B",
    "A" * 44,
    vocab.MAX_AMOUNT_CENTS,
    vocab.MAX_AMOUNT_CENTS + 1,
    vocab.MAX_PERIODS_IN_ARREARS + 1,
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in the envelope: each field of each object, each item of each list."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield (*prefix, key)
        yield from _paths(item, (*prefix, key))


def _parent(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        body = body[key]
    return body


def _variants() -> Iterator[Any]:
    for base in _plain_envelopes():
        for path in list(_paths(base)):
            for odd in ODD_VALUES:
                body = copy.deepcopy(base)
                _parent(body, path)[path[-1]] = copy.deepcopy(odd)
                yield body
            body = copy.deepcopy(base)
            parent = _parent(body, path)
            del parent[path[-1]]
            yield body
            if isinstance(parent, dict):
                body = copy.deepcopy(base)
                _parent(body, path)["extra"] = "x"
                yield body
    yield from ODD_VALUES
    yield [envelope()]


def test_no_change_to_any_field_makes_the_fast_path_accept_more_or_load_otherwise() -> None:
    accepted = refused = 0
    for body in _variants():
        assert_never_more(body)
        if _plainly_valid(body) is None:
            refused += 1
        else:
            accepted += 1
    assert accepted > 100 and refused > 1000  # both sides of the boundary were tried


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(base=st.sampled_from(_plain_envelopes()), pick=st.integers(min_value=0), value=JSON)
def test_any_json_value_anywhere_is_declined_or_loaded_as_the_schema_loads(base: Any, pick: int, value: Any) -> None:
    body = copy.deepcopy(base)
    paths = list(_paths(body))
    path = paths[pick % len(paths)]
    _parent(body, path)[path[-1]] = value
    assert_never_more(body)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2028, 12, 31)))
def test_every_date_in_every_date_field_is_judged_as_the_schema_judges_it(day: dt.date) -> None:
    for base in _plain_envelopes()[:2]:
        for path in list(_paths(base)):
            if isinstance(_parent(base, path)[path[-1]], str) and _parent(base, path)[path[-1]][:2] == "20":
                body = copy.deepcopy(base)
                _parent(body, path)[path[-1]] = day.isoformat()
                assert_never_more(body)
