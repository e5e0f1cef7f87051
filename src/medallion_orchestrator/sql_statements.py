"""SQL text as statements: split on `;`, with semicolons inside strings and comments respected.

The gold loader runs the statements one by one, `medallion sql` runs a script, and metadata
validation reads the tables each statement names: all three split the same way.
"""

from __future__ import annotations

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
