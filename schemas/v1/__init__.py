"""Version 1 of the exchange standard: vocabularies, the signal envelope and its sealed identity payload.

``vocab`` holds the shared vocabularies and limits, ``identity`` the plaintext payload that is sealed,
``signal`` the hub-visible envelope, ``clock`` the injectable "today" that date rules check against.
Field-by-field documentation: ``docs/signals.md``.
"""
