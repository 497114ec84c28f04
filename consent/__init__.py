"""Consent records, receipts and the one policy function that decides disclosures (deny by default).

Pure domain: no Flask, no SQL, no cryptography. ``purposes`` is the table of purposes and their legal
bases, ``records`` the consent records and their lifecycle, ``policy`` the decision (:func:`may`),
``receipts`` the signed receipt and its offline verification. docs/consent.md explains the law behind it.
"""

from consent.policy import Case, Decision, Party, may
from consent.purposes import PURPOSES, Purpose

__all__ = ["PURPOSES", "Case", "Decision", "Party", "Purpose", "may"]
