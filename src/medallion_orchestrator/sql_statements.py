"""SQL text as statements: split on `;`, with semicolons inside strings and comments respected.

The gold loader runs the statements one by one, `medallion sql` runs a script, and metadata
validation reads the tables each statement names: all three split the same way. A materialized
view's creation is read here too, for the same three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.tokens import Tokenizer, TokenType


def split_statements(text: str) -> list[str]:
    """Statements separated by `;`, stripped; empty ones and comment-only ones left out.

    Raises sqlglot's TokenError on text it cannot tokenize (an unterminated string).
    """
    statements, start = [], 0
    for token in Tokenizer(dialect="databricks").tokenize(text):
        if token.token_type == TokenType.SEMICOLON:
            statements.append(text[start : token.start])
            start = token.end + 1
    statements.append(text[start:])
    return [statement.strip() for statement in statements if _has_code(statement)]


def _has_code(statement: str) -> bool:
    return bool(Tokenizer(dialect="databricks").tokenize(statement))


@dataclass(frozen=True)
class MaterializedViewCreation:
    """`CREATE [OR REPLACE] MATERIALIZED VIEW [IF NOT EXISTS] name [clauses] AS query`: sqlglot
    reads only the plainest of these, so the name and query are taken from the text."""

    name: str
    query: str
    replace: bool
    if_not_exists: bool

    @property
    def plain(self) -> str:
        """The statement without its clauses (columns, SCHEDULE, COMMENT...), for sqlglot."""
        return f"CREATE MATERIALIZED VIEW {self.name} AS {self.query}"


_NAME = r"(?:`[^`]+`|\w+)(?:\.(?:`[^`]+`|\w+)){0,2}"
_MATERIALIZED_VIEW = re.compile(
    r"(?is)^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?MATERIALIZED\s+VIEW\s+"
    rf"(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME}).*?\bAS\b"
    r"(?P<query>\s*(?:\(\s*)*(?:SELECT|WITH|FROM|VALUES|TABLE)\b.*)$"
)
_LEADING_COMMENTS = re.compile(r"(?s)^(?:\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/))*\s*")


def materialized_view_creation(statement: str) -> MaterializedViewCreation | None:
    match = _MATERIALIZED_VIEW.match(without_leading_comments(statement))
    if match is None:
        return None
    return MaterializedViewCreation(
        match["name"], match["query"].strip(), bool(match["replace"]), bool(match["exists"])
    )


def without_leading_comments(statement: str) -> str:
    return _LEADING_COMMENTS.sub("", statement, count=1)
