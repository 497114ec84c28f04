"""Organisations in the chain and their keys: the rules, without storage."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: ``municipal_taxes`` is a municipality's tax department (or a tax cooperation) as a creditor for local
#: taxes: registered apart from the municipality's early-warning team, which receives the reports, so that
#: the tax office never reads social-domain data and the roles stay separate in the access table.
ORGANISATION_KINDS = (
    "housing",
    "energy",
    "water",
    "health_insurer",
    "municipal_taxes",
    "municipality",
    "debt_help",
    "hub_admin",
)
CREDITOR_KINDS = frozenset({"housing", "energy", "water", "health_insurer", "municipal_taxes"})
KEY_USES = ("signing", "encryption")
SUITES = {"signing": ("ed25519",), "encryption": ("mlkem768-x25519", "x25519")}
DEFAULT_SUITE = {"signing": "ed25519", "encryption": "mlkem768-x25519"}

_ORG_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$")
_MUNICIPALITY_CODE = re.compile(r"^\d{4}$")


class DirectoryRuleError(ValueError):
    """An organisation or key violates a directory rule; ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    kind: str
    municipality_code: str | None
    disabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    retention_days: int | None = None


@dataclass(frozen=True)
class OrganisationKey:
    key_id: str
    organisation_id: str
    use: str
    suite: str
    public_key: bytes
    not_before: dt.datetime
    not_after: dt.datetime | None
    revoked_at: dt.datetime | None
    created_at: dt.datetime

    def state_at(self, at: dt.datetime) -> str:
        """``valid``, ``revoked``, ``not_yet_valid`` or ``expired`` at the moment ``at``."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if at < self.not_before:
            return "not_yet_valid"
        if self.not_after is not None and at >= self.not_after:
            return "expired"
        return "valid"


def check_organisation(org_id: str, name: str, kind: str, municipality_code: str | None) -> None:
    """Raise :class:`DirectoryRuleError` for the first rule the new organisation breaks."""
    if not _ORG_ID.match(org_id):
        raise DirectoryRuleError("id", "3 to 64 lowercase letters, digits and dashes, e.g. 'woonstad-rdam'")
    if not name.strip() or len(name) > 200:
        raise DirectoryRuleError("name", "must be 1 to 200 characters")
    if kind not in ORGANISATION_KINDS:
        raise DirectoryRuleError("kind", f"must be one of {', '.join(ORGANISATION_KINDS)}")
    if kind == "municipality":
        if municipality_code is None or not _MUNICIPALITY_CODE.match(municipality_code):
            raise DirectoryRuleError("municipality_code", "a municipality needs its 4-digit CBS code, e.g. 0363")
    elif municipality_code is not None:
        raise DirectoryRuleError("municipality_code", "only municipalities have a municipality code")


def check_key(key_id: str, use: str, suite: str, not_before: dt.datetime, not_after: dt.datetime | None) -> None:
    if not _KEY_ID.match(key_id):
        raise DirectoryRuleError("key_id", "3 to 100 letters, digits, dots, dashes and underscores")
    if use not in KEY_USES:
        raise DirectoryRuleError("use", f"must be one of {', '.join(KEY_USES)}")
    if suite not in SUITES[use]:
        raise DirectoryRuleError("suite", f"a {use} key must be one of {', '.join(SUITES[use])}")
    if not_after is not None and not_after <= not_before:
        raise DirectoryRuleError("not_after", "must be later than not_before")


def generated_key_id(org_id: str, use: str, at: dt.datetime, suffix: str) -> str:
    short = {"signing": "sig", "encryption": "enc"}[use]
    return f"{org_id}-{short}-{at:%Y%m%d}-{suffix}"
