"""Consent records, receipts and the one policy function that decides disclosures (deny by default)."""
