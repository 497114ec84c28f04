"""``SignalSchema``'s fast path (``schemas.v1.signal_plain.signal``) against the full marshmallow load:
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
from marshmallow import Schema, ValidationError, fields

from schemas.v1 import clock, signal_plain, vocab
from schemas.v1.signal import (
    AttestationsSchema,
    CrisisSchema,
    SealedBlobSchema,
    SignalBatchSchema,
    SignalSchema,
    TokenSchema,
    load_signal,
)
from tests.unit import signal_data
from tests.unit.signal_data import envelope, sealed_blob


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


class FullSignalSchema(SignalSchema):
    """``SignalSchema`` with its tokens loaded by ``TokenSchema`` one by one, as without ``TokenList``'s
    fast path (which the fast path of the envelope shares)."""

    tokens = fields.List(
        fields.Nested(TokenSchema), required=True, validate=SignalSchema._declared_fields["tokens"].validators
    )


def full_load(body: Any) -> Any:
    """The schema's own load, field by field, without either fast path; None when it refuses ``body``."""
    try:
        return Schema.load(FullSignalSchema(), body)
    except ValidationError:
        return None


@pytest.fixture
def fast_loads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What the fast path returned, call by call, while the test runs."""
    returned: list[Any] = []
    real = signal_plain.signal

    def spy(data: Any) -> Any:
        returned.append(real(data))
        return returned[-1]

    monkeypatch.setattr(signal_plain, "signal", spy)
    return returned


def typed(value: Any) -> Any:
    """``value`` with the type of every part in it: ``True == 1`` and ``1.0 == 1`` in Python, not here."""
    if isinstance(value, dict):
        return ("dict", sorted((key, typed(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def assert_never_more(body: Any) -> None:
    fast = signal_plain.signal(body)
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
def test_plain_envelopes_take_the_fast_path_and_load_as_the_schema_loads(
    body: dict[str, Any], fast_loads: list[Any]
) -> None:
    loaded = load_signal(body)
    assert fast_loads and fast_loads[-1] is loaded  # taken
    assert typed(loaded) == typed(full_load(body))


def test_a_batch_loads_through_the_fast_path_to_what_the_full_path_loads(fast_loads: list[Any]) -> None:
    bodies = _plain_envelopes()
    for body in bodies:
        body["signal_id"] = str(uuid.uuid4())
    loaded = SignalBatchSchema().load({"signals": bodies})["signals"]
    assert len(fast_loads) == len(bodies) and None not in fast_loads
    assert [typed(signal) for signal in loaded] == [typed(full_load(body)) for body in bodies]


def test_partial_loads_and_schemas_of_some_fields_take_the_full_path(fast_loads: list[Any]) -> None:
    body = envelope()
    del body["status"]
    assert "status" not in SignalSchema().load(body, partial=True)  # no load_default in a partial load
    with pytest.raises(ValidationError) as refused:
        SignalSchema(exclude=("crisis",)).load(envelope())
    assert "crisis" in refused.value.messages
    assert fast_loads == []


def test_the_fast_path_names_exactly_the_fields_and_rules_of_the_schemas() -> None:
    """A field or a rule added to a schema fails here until the fast path handles it too."""
    assert SignalSchema._declared_fields.keys() == signal_plain.SIGNAL_FIELDS
    assert SealedBlobSchema._declared_fields.keys() == signal_plain.BLOB_FIELDS
    assert CrisisSchema._declared_fields.keys() == signal_plain.CRISIS_FIELDS
    assert AttestationsSchema._declared_fields.keys() == signal_plain.ATTESTATION_FIELDS
    assert TokenSchema._declared_fields.keys() == signal_plain.TOKEN_FIELDS

    def hooks(schema: type[Schema]) -> dict[str, list[str]]:
        return {kind: sorted(name for name, *_ in found) for kind, found in schema._hooks.items() if found}

    assert hooks(SignalSchema) == {"post_load": ["_drop_absent"], "validates_schema": ["_facts_agree", "_tokens_agree"]}
    assert hooks(SealedBlobSchema) == {
        "post_load": ["_drop_absent"],
        "validates_schema": ["_long_enough_for_its_suite"],
    }
    for schema in (CrisisSchema, AttestationsSchema, TokenSchema):
        assert hooks(schema) == {"post_load": ["_drop_absent"]}


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
    emails = [{"kind": "email", "value": f"{n:042d}A", "debtor": 0} for n in range(vocab.MAX_TOKENS_PER_SIGNAL)]
    for extra in (vocab.MAX_TOKENS_PER_SIGNAL - 9, vocab.MAX_TOKENS_PER_SIGNAL - 8):  # 64 tokens, then 65
        yield envelope(tokens=[*envelope()["tokens"], *emails[:extra]])


def test_no_change_to_any_field_makes_the_fast_path_accept_more_or_load_otherwise() -> None:
    accepted = refused = 0
    for body in _variants():
        assert_never_more(body)
        if signal_plain.signal(body) is None:
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


@settings(max_examples=300, deadline=None)
@given(day=st.dates())
def test_any_date_in_any_date_field_is_declined_or_loaded_as_the_schema_loads(day: dt.date) -> None:
    for base in _plain_envelopes()[:2]:
        for path in list(_paths(base)):
            if isinstance(_parent(base, path)[path[-1]], str) and _parent(base, path)[path[-1]][:2] == "20":
                body = copy.deepcopy(base)
                _parent(body, path)[path[-1]] = day.isoformat()
                assert_never_more(body)
