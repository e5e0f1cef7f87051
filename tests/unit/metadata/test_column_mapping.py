"""column_mapping against the source's columns: what the loader checks before it reads."""

from __future__ import annotations

import pytest

from medallion_orchestrator.metadata.column_mapping import mapping_problems

SOURCE = ["customer id", "e.mail", "name", "seq"]


@pytest.mark.parametrize(
    ("mapping", "problems"),
    [
        ({"customer id": "customer_id", "e.mail": "email"}, []),
        (
            {"customer  id": "customer_id"},
            ["column_mapping names source column 'customer  id', which the source lacks"],
        ),
        (
            {"e.mail": "name"},
            ["column_mapping maps 'e.mail' to 'name', which the source already has"],
        ),
        (
            {"e.mail": "name", "name": "full_name"},
            ["column_mapping maps 'e.mail' to 'name', which the source already has"],
        ),
    ],
)
def test_each_mapped_column_must_exist_and_its_silver_name_must_be_free(
    mapping: dict[str, str], problems: list[str]
) -> None:
    assert mapping_problems(tuple(mapping.items()), SOURCE) == problems
