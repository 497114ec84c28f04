"""The Fellegi-Sunter model of household matching: comparison features, their levels, and m/u values.

For a pair of records, each feature takes one level (or is missing, weight 0). A level's weight is
``log2(m / u)``, with ``m`` the probability of that level when the two records are the same person
(household) and ``u`` when they are not. The probabilities are *conditional on blocking*: they are
measured over the candidate pairs the hub actually compares (records sharing at least one token in
the window), so the weights already carry the prior, and a score above 0 favours a match.

The defaults below were estimated with ``tools/match_estimate.py`` on the synthetic population of
``tools/synth.py`` and rounded towards caution; ``docs/matching.md`` explains each one and how to
estimate them again from a municipality's confirmed cases. ``HUB_MATCH_MODEL_FILE`` may override any
subset of them with a JSON file of the shape ``{"person": {"email": {"agree": {"m": 0.9, "u": 0.02}}}}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

#: Features and their levels, per table. ``person`` compares two debtor records, ``household`` two signals.
FEATURES: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = MappingProxyType(
    {
        "person": MappingProxyType(
            {
                "name_dob": ("surname", "phonetic", "other_initial", "initial_home", "initial", "differs"),
                "name_place": ("agree", "differs"),
                "email": ("agree", "differs"),
                "phone": ("agree", "differs"),
                "bsn": ("agree", "differs"),
                "address": ("address", "number", "differs"),
                "contract": ("agree", "joint", "differs"),
            }
        ),
        "household": MappingProxyType(
            {
                "address": ("address", "number", "differs"),
                "contract": ("agree", "differs"),
                "person": ("same", "none"),
            }
        ),
    }
)

_Table = Mapping[str, Mapping[str, tuple[float, float]]]

#: Default (m, u) per feature level, conditional on blocking (see the module docstring).
DEFAULT_MU: Final[Mapping[str, _Table]] = MappingProxyType(
    {
        "person": {
            "name_dob": {
                "surname": (0.59, 0.0001),
                "phonetic": (0.005, 0.00005),
                "other_initial": (0.0075, 0.0001),
                "initial_home": (0.009, 0.0001),
                "initial": (0.0003, 0.008),
                "differs": (0.015, 0.65),
            },
            "name_place": {"agree": (0.34, 0.005), "differs": (0.02, 0.31)},
            "email": {"agree": (0.27, 0.01), "differs": (0.03, 0.16)},
            "phone": {"agree": (0.37, 0.009), "differs": (0.05, 0.27)},
            "bsn": {"agree": (0.14, 0.00001), "differs": (0.0005, 0.18)},
            "address": {"address": (0.92, 0.6), "number": (0.045, 0.045), "differs": (0.035, 0.035)},
            "contract": {"agree": (0.39, 0.0001), "joint": (0.045, 0.053), "differs": (0.57, 0.95)},
        },
        "household": {
            "address": {"address": (0.92, 0.005), "number": (0.054, 0.97), "differs": (0.025, 0.025)},
            "contract": {"agree": (0.3, 0.0001), "differs": (0.7, 0.9999)},
            "person": {"same": (0.54, 0.0001), "none": (0.46, 0.9999)},
        },
    }
)

#: Score (bits) from which two debtor records are the same person.
DEFAULT_PERSON_THRESHOLD: Final = 5.0
#: Score (bits) from which a signal joins a household case.
DEFAULT_HOUSEHOLD_THRESHOLD: Final = 3.0
#: Days a stored signal keeps attracting new ones (about six months; DOMAIN "repeat reports").
DEFAULT_WINDOW_DAYS: Final = 183
#: Most recent stored rows read per token: bounds the cost of a token many signals share.
DEFAULT_ROWS_PER_TOKEN: Final = 100


class MatchModelError(ValueError):
    """A model file names an unknown feature or level, or a probability outside (0, 1)."""


@dataclass(frozen=True)
class MatchModel:
    """m/u per feature level, with the weights derived from them, and the decision thresholds."""

    mu: Mapping[str, _Table]
    person_threshold: float = DEFAULT_PERSON_THRESHOLD
    household_threshold: float = DEFAULT_HOUSEHOLD_THRESHOLD
    window_days: int = DEFAULT_WINDOW_DAYS
    rows_per_token: int = DEFAULT_ROWS_PER_TOKEN
    _weights: Mapping[tuple[str, str, str], float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weights: dict[tuple[str, str, str], float] = {}
        for table, features in FEATURES.items():
            for feature, levels in features.items():
                for level in levels:
                    m, u = self.mu[table][feature][level]
                    weights[(table, feature, level)] = math.log2(m / u)
        object.__setattr__(self, "_weights", MappingProxyType(weights))

    def weight(self, table: str, feature: str, level: str) -> float:
        """``log2(m/u)`` of one level; a KeyError for a level the model does not define."""
        return self._weights[(table, feature, level)]

    def score(self, table: str, levels: Mapping[str, str]) -> float:
        """The sum of the weights of ``levels`` (feature -> level); a missing feature weighs 0."""
        return sum(self.weight(table, feature, level) for feature, level in levels.items())

    def as_json(self) -> dict[str, Any]:
        """The m/u table in the shape a model file takes."""
        return {
            table: {
                feature: {level: {"m": m, "u": u} for level, (m, u) in levels.items()}
                for feature, levels in features.items()
            }
            for table, features in self.mu.items()
        }


def build_model(
    overrides: Mapping[str, Any] | None = None,
    *,
    person_threshold: float = DEFAULT_PERSON_THRESHOLD,
    household_threshold: float = DEFAULT_HOUSEHOLD_THRESHOLD,
    window_days: int = DEFAULT_WINDOW_DAYS,
    rows_per_token: int = DEFAULT_ROWS_PER_TOKEN,
) -> MatchModel:
    """The default m/u table with ``overrides`` (a model file's JSON) applied, and the given settings."""
    mu = {table: {f: dict(levels) for f, levels in features.items()} for table, features in DEFAULT_MU.items()}
    for table, features in (overrides or {}).items():
        if table not in FEATURES or not isinstance(features, Mapping):
            raise MatchModelError(f"unknown table {table!r}; use 'person' or 'household'")
        for feature, levels in features.items():
            known = FEATURES[table].get(feature)
            if known is None or not isinstance(levels, Mapping):
                raise MatchModelError(f"unknown feature {table}.{feature}")
            for level, value in levels.items():
                if level not in known:
                    raise MatchModelError(f"unknown level {table}.{feature}.{level}; one of {', '.join(known)}")
                mu[table][feature][level] = _probabilities(f"{table}.{feature}.{level}", value)
    return MatchModel(
        mu=MappingProxyType({t: MappingProxyType(f) for t, f in mu.items()}),
        person_threshold=person_threshold,
        household_threshold=household_threshold,
        window_days=window_days,
        rows_per_token=rows_per_token,
    )


def _probabilities(where: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, Mapping) or set(value) != {"m", "u"}:
        raise MatchModelError(f"{where} must be an object with exactly m and u")
    m, u = value["m"], value["u"]
    for name, p in (("m", m), ("u", u)):
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p < 1:
            raise MatchModelError(f"{where}.{name} must be a probability strictly between 0 and 1")
    return float(m), float(u)
