"""How the demo talks: numbered steps in plain words, indented facts, the commands an operator types."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Sequence
from typing import TextIO


class DemoError(Exception):
    """Something stops the demo; the message says what happened and what to do."""


class Say:
    """Prints the walk to ``stream`` (standard output), flushing each line so that progress shows."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.number = 0
        self.started = time.monotonic()

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def title(self, text: str) -> None:
        self._print(text)

    def step(self, text: str) -> None:
        """A new numbered step of the chain."""
        self.number += 1
        self._print(f"\n{self.number}. {text}")

    def line(self, text: str, indent: int = 1) -> None:
        self._print("   " * indent + text)

    def command(self, argv: Sequence[str]) -> None:
        """A command as the operator would type it."""
        self.line(f"$ {shlex.join(argv)}")

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def euros(cents: int) -> str:
    """``123456`` -> ``EUR 1,234.56``."""
    return f"EUR {cents // 100:,}.{cents % 100:02d}"


def percent(basis_points: int) -> str:
    return f"{basis_points / 100:.1f}%"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
