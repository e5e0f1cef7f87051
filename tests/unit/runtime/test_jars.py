"""Which cached Delta jars a start may use: those a finished resolution of its version wrote."""

from __future__ import annotations

from pathlib import Path

from medallion_orchestrator.runtime.jars import complete_jars

NAMES = ["io.delta_delta-spark_2.13-4.0.0.jar", "io.delta_delta-storage-4.0.0.jar"]


def cache_with(tmp_path: Path, jars: list[str], resolved: list[str] | None) -> Path:
    (tmp_path / "jars").mkdir()
    for name in jars:
        (tmp_path / "jars" / name).write_bytes(b"PK")
    if resolved is not None:
        (tmp_path / "jars" / ".resolved-delta-4.0.0").write_text("\n".join(resolved) + "\n")
    return tmp_path


def test_a_finished_resolution_gives_its_jars_and_no_others(tmp_path: Path) -> None:
    cache = cache_with(tmp_path, [*NAMES, "io.delta_delta-spark_2.13-3.2.0.jar"], NAMES)

    assert complete_jars(cache, "4.0.0") == [cache / "jars" / name for name in NAMES]


def test_jars_without_a_finished_resolution_are_not_used(tmp_path: Path) -> None:
    assert complete_jars(cache_with(tmp_path, NAMES, None), "4.0.0") == []


def test_a_resolution_whose_jar_has_gone_is_done_again(tmp_path: Path) -> None:
    assert complete_jars(cache_with(tmp_path, NAMES[:1], NAMES), "4.0.0") == []


def test_another_delta_version_resolves_its_own(tmp_path: Path) -> None:
    assert complete_jars(cache_with(tmp_path, NAMES, NAMES), "4.1.0") == []
