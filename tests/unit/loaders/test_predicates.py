"""Column tests combined as a balanced tree: 700 of them are 10 deep, not 700."""

from __future__ import annotations

import math

import pytest

from medallion_orchestrator.loaders.predicates import any_of


class Node:
    """Stands in for a pyspark Column: `|` builds a node, and knows its depth and leaves."""

    def __init__(self, name: str, parts: tuple[Node, ...] = ()) -> None:
        self.name, self.parts = name, parts

    def __or__(self, other: Node) -> Node:
        return Node("or", (self, other))

    def depth(self) -> int:
        return 1 + max((part.depth() for part in self.parts), default=0)

    def leaves(self) -> list[str]:
        if not self.parts:
            return [self.name]
        return [leaf for part in self.parts for leaf in part.leaves()]


@pytest.mark.parametrize("count", [1, 2, 3, 7, 700])
def test_every_test_is_kept_in_order_in_a_tree_of_logarithmic_depth(count: int) -> None:
    names = [f"c{number}" for number in range(count)]

    combined = any_of([Node(name) for name in names])  # type: ignore[list-item]

    assert combined.leaves() == names  # type: ignore[attr-defined]
    assert combined.depth() == 1 + math.ceil(math.log2(count))  # type: ignore[attr-defined]


def test_no_tests_is_what_is_given_otherwise() -> None:
    otherwise = Node("fresh")

    assert any_of([], otherwise) is otherwise  # type: ignore[arg-type]
