"""What a caller asks of a run, checked once, here, when it is made.

The command line, the orchestrator notebook, the demo and the tests build a `RunRequest` and hand
it to `run_layer` or `run_layers`, so each refuses the same requests with the same words (the
command line's: that is where most requests come from). The request holds only what the caller
chooses; what the run talks to (result listeners, the progress display) and what it knows from
before (past durations) are handed beside it, as keyword arguments: they are objects with a life
of their own, while a request stays a value one can compare, print and keep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from medallion_orchestrator.errors import ConfigError, InvalidMetadata, Problem

__all__ = ["RunRequest", "Scheduler"]


class Scheduler(str, Enum):
    """batch: execution_order batches (the article); dag: the ready queue; auto: dag if a row
    has depends_on, else batch."""

    AUTO = "auto"
    BATCH = "batch"
    DAG = "dag"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class RunRequest:
    """One run of `layers` (one name: one layer; several run as one graph). `max_workers` None:
    the environment's. `repair_of` runs only what did not succeed in that run; `select` only
    those destinations. `full_refresh` builds every gold table; `full_refresh_tables` rebuilds
    these destinations from nothing (refresh_selection.py); `pin_inputs` has the gold builds
    read what they read from outside the run at the versions of its start. Without `record` the
    run takes no lock and writes no history (one layer only)."""

    layers: Sequence[str]
    max_workers: int | None = None
    continue_on_failure: bool = False
    scheduler: Scheduler | str = Scheduler.AUTO
    repair_of: str | None = None
    select: Sequence[str] = ()
    full_refresh: bool = False
    pin_inputs: bool = False
    record: bool = True
    full_refresh_tables: Sequence[str] = ()

    def __post_init__(self) -> None:
        layers = (self.layers,) if isinstance(self.layers, str) else tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "select", tuple(self.select))
        object.__setattr__(self, "full_refresh_tables", tuple(self.full_refresh_tables))
        object.__setattr__(self, "scheduler", Scheduler(self.scheduler))
        if not layers:
            raise ConfigError("--layer: give at least one layer")
        if self.max_workers is not None and self.max_workers < 1:
            raise ConfigError("--max-workers must be at least 1")
        if len(layers) > 1:
            self._check_together()

    def _check_together(self) -> None:
        if self.repair_of is not None or self.select:
            raise ConfigError(
                "--repair and --select take one --layer: each layer's run is repaired on its own"
            )
        if self.scheduler is Scheduler.BATCH:
            raise InvalidMetadata(
                [
                    Problem(
                        "--scheduler batch", "layers run together run as one graph: use auto or dag"
                    )
                ]
            )
        if not self.record:
            raise ConfigError("layers run together are always recorded: each keeps its lock")

    @classmethod
    def full_refresh_given(cls, given: Sequence[Sequence[str]] | None) -> tuple[bool, list[str]]:
        """`--full-refresh [TABLE ...]` as argparse gives it (a list per use): whether it was
        given plain (every gold table built), and the tables it names, each once."""
        uses = list(given or ())
        tables = dict.fromkeys(name.strip() for use in uses for name in use if name.strip())
        return any(not use for use in uses), list(tables)

    @property
    def layer(self) -> str:
        """The layer of a one-layer request."""
        if len(self.layers) != 1:
            raise ValueError(
                f"one layer expected, not {len(self.layers)}: {', '.join(self.layers)}"
            )
        return self.layers[0]
