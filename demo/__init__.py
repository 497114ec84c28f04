"""The demo of the whole early-warning chain on one machine (issue 10): ``python3 scripts/dev.py demo``.

A repository-local development tool, apart from the two deployables: it drives the hub as its operator
does (the ``hub`` command) and every partner as a partner does (the ``adapters`` library: signed HTTP,
personal data sealed for its recipient). ``demo.run`` is the entry point; ``demo.steps`` and
``demo.settlement`` walk the chain. Its output names organisations, counts, codes and amounts, never a
person's name or address: the output is itself a target of the log scan.
"""

from pathlib import Path

#: The repository root (the demo runs from a checkout; it is not installed).
ROOT = Path(__file__).resolve().parent.parent
