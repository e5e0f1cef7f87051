"""The few error classes the orchestrator raises, on meaningful bases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class MedallionError(Exception):
    """Base of every error this package raises on purpose."""


class EnvironmentProblem(MedallionError, RuntimeError):
    """The machine cannot run the local lakehouse (Java, jars, ...)."""


class ConfigError(MedallionError, ValueError):
    """A file under conf/ is missing or wrong."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one metadata row."""

    row: str
    message: str

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class InvalidMetadata(MedallionError, ValueError):
    """Metadata rows that must not be run; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the metadata:\n{lines}")


class LoadError(MedallionError, ValueError):
    """A loader refused its input; the target table was not changed."""


class RunFailed(MedallionError, RuntimeError):
    """Raised at the end of a run in which a task did not succeed."""
