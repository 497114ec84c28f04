"""What every ``signaal`` command shares: the ``--dir`` option, loading the configuration with errors a
person can act on, and the progress bar of a push."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from adapters.config import Config, ConfigError, home_of, load_config
from adapters.push import PushCounts

F = TypeVar("F", bound=Callable[..., Any])


def home_option(command: F) -> F:
    """``--dir``: the Signaal directory (else ``$SIGNAAL_HOME``, else ``./signaal``)."""
    option = click.option(
        "--dir",
        "home",
        envvar="SIGNAAL_HOME",
        default="signaal",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="The organisation's Signaal directory (also $SIGNAAL_HOME).",
    )
    return option(command)


def config_at(home: Path) -> Config:
    """The configuration in ``home``, or a ``ClickException`` saying what to do."""
    try:
        return load_config(home_of(home))
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


class BarProgress:
    """A progress bar on stderr with the counts so far and the rate in rows per second."""

    def __init__(self, label: str, *, hidden: bool = False) -> None:
        self.label, self.hidden = label, hidden
        self.started = time.monotonic()
        self._bar: Any = None

    def start(self, total: int) -> None:
        self.started = time.monotonic()
        self._bar = click.progressbar(
            length=max(total, 1),
            label=self.label,
            show_pos=True,
            item_show_func=lambda text: text,
            file=sys.stderr,
            hidden=self.hidden or total == 0,
        )
        self._bar.__enter__()

    def advance(self, done: int, counts: PushCounts) -> None:
        if self._bar is not None:
            self._bar.update(
                done, current_item=f"{counts.created} new, {counts.duplicate} duplicate, {self.rate(counts):.0f}/s"
            )

    def rate(self, counts: PushCounts) -> float:
        return counts.sent / max(time.monotonic() - self.started, 1e-6)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
