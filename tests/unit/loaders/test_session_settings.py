"""A load turns constraint propagation off in its session, and goes on where it may not."""

from __future__ import annotations

from typing import Any

from medallion_orchestrator.loaders.session_settings import (
    CONSTRAINT_PROPAGATION,
    plan_without_constraint_propagation,
)


class Conf:
    def __init__(self, refused: bool = False) -> None:
        self.values: dict[str, str] = {}
        self.refused = refused

    def set(self, key: str, value: str) -> None:
        if self.refused:  # as serverless compute answers a setting it does not allow
            raise RuntimeError(f"[CONFIG_NOT_AVAILABLE] Configuration {key} is not available.")
        self.values[key] = value


class Session:
    def __init__(self, conf: Conf) -> None:
        self.conf = conf


def test_the_load_s_session_plans_without_constraint_propagation() -> None:
    conf = Conf()

    plan_without_constraint_propagation(Session(conf))  # type: ignore[arg-type]

    assert conf.values == {CONSTRAINT_PROPAGATION: "false"}


def test_a_session_that_refuses_the_setting_still_loads() -> None:
    conf: Any = Conf(refused=True)

    plan_without_constraint_propagation(Session(conf))  # type: ignore[arg-type]

    assert conf.values == {}
