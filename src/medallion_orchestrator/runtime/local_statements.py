"""What a SQL statement does to the catalog, read from its text before it runs.

The local lakehouse needs to know, for each statement, which schemas, tables and views it names
(to register them in the session first) and what it creates, changes or drops (to keep it in the
catalog store after). Statements that sqlglot parses are read from its tree; the rest (catalog
commands, SHOW ... IN, ALTER SCHEMA) from a few patterns.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from medallion_orchestrator.runtime.local_catalog import is_spark_database

# sqlglot says, for every statement it keeps as a plain command, that it fell back to one.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

_NAME = r"`?(\w+)`?"
_IF = r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"
_CATALOG_COMMAND = re.compile(
    rf"(?is)^\s*(?P<verb>CREATE|DROP)\s+CATALOG\s+{_IF}{_NAME}(?P<rest>.*)$"
)
# `USE CATALOG c` and Databricks' synonym `SET CATALOG c`
_USE_CATALOG = re.compile(rf"(?is)^\s*(?:USE|SET)\s+CATALOG\s+{_NAME}\s*$")
_SHOW_CATALOGS = re.compile(r"(?is)^\s*SHOW\s+CATALOGS\b(?:\s+LIKE\s+'(?P<like>[^']*)')?\s*$")
_SCHEMA_STATEMENT = re.compile(
    rf"(?is)^(?P<head>\s*(?P<verb>CREATE|DROP|ALTER|DESCRIBE|DESC|COMMENT\s+ON|USE)\s+"
    rf"(?:SCHEMA|DATABASE|NAMESPACE)\s+(?:EXTENDED\s+)?{_IF})"
    rf"{_NAME}\.{_NAME}(?P<rest>(?:\s.*)?)$"
)
# `USE a.b` without a keyword: on Databricks, catalog `a` and its schema `b` become current
_USE_SCHEMA = re.compile(
    rf"(?is)^(?P<head>\s*USE\s+)(?!(?:SCHEMA|DATABASE|NAMESPACE|CATALOG)\s){_NAME}\.{_NAME}"
    r"(?P<rest>\s*)$"
)
_SHOW_SCHEMAS = re.compile(
    rf"(?is)^\s*SHOW\s+(?:SCHEMAS|DATABASES)\s+(?:IN|FROM)\s+{_NAME}"
    r"(?:\s+(?:LIKE\s+)?'(?P<like>[^']*)')?\s*$"
)
_SHOW_OBJECTS = re.compile(
    rf"(?is)^(?P<head>\s*SHOW\s+(?:TABLES|VIEWS)\s+(?:IN|FROM)\s+){_NAME}\.{_NAME}(?P<rest>.*)$"
)
_SHOW_CREATE = re.compile(rf"(?is)^\s*SHOW\s+CREATE\s+TABLE\s+{_NAME}\.{_NAME}\.{_NAME}\s*$")
_METADATA = re.compile(r"(?is)^\s*(SHOW|DESCRIBE|DESC)\b")
_ONE_PART_SCHEMA = re.compile(
    rf"(?is)^(?P<head>\s*(?:CREATE|DROP|ALTER|DESCRIBE|DESC|COMMENT\s+ON|USE)\s+"
    rf"(?:SCHEMA|DATABASE|NAMESPACE)\s+(?:EXTENDED\s+)?{_IF})(?P<name>`?\w+`?)(?P<rest>(?:\s.*)?)$"
    r"|^(?P<use>\s*USE\s+)(?!(?:SCHEMA|DATABASE|NAMESPACE|CATALOG)\s)(?P<used>`?\w+`?)\s*$"
)
_ONE_PART_OBJECTS = re.compile(
    r"(?is)^(?P<head>\s*SHOW\s+(?:TABLES|VIEWS)\s+(?:IN|FROM)\s+)(?P<name>`?\w+`?)"
    r"(?P<rest>(?:\s.*)?)$"
)
_ALL_SCHEMAS = re.compile(
    r"(?is)^\s*SHOW\s+(?:SCHEMAS|DATABASES)(?P<rest>(?:\s+(?:LIKE\s+)?'[^']*')?)\s*$"
)
_NAMED_SCHEMA = (
    _CATALOG_COMMAND,
    _USE_CATALOG,
    _SHOW_CATALOGS,
    _SCHEMA_STATEMENT,
    _USE_SCHEMA,
    _SHOW_SCHEMAS,
    _SHOW_OBJECTS,
)
# The catalog of a name that gives none until a USE: open-source Spark's, Databricks' legacy one.
CURRENT_CATALOG = "spark_catalog"
DEFAULT_SCHEMA = "default"
HOME = (CURRENT_CATALOG, DEFAULT_SCHEMA)  # current until a USE: it always exists

Name = tuple[str, str, str]


@dataclass(frozen=True)
class Statement:
    """`kind` says what it does to the catalog; `schema` and `objects` what it names."""

    text: str
    kind: str = "other"
    schema: tuple[str, str] | None = None
    objects: tuple[Name, ...] = ()
    created: tuple[Name, ...] = ()
    dropped: tuple[Name, ...] = ()
    like: str | None = None
    rest: str = ""
    head: str = ""
    tree: exp.Expression | None = field(default=None, compare=False)

    @property
    def is_metadata(self) -> bool:
        """SHOW / DESCRIBE: rows about the catalog, whose names are shown in the user's form."""
        return bool(_METADATA.match(self.text))


def classify(text: str) -> Statement:
    if match := _CATALOG_COMMAND.match(text):
        verb = match.group("verb").upper()
        return Statement(text, f"{verb.lower()}_catalog", schema=(match.group(2), ""))
    if match := _USE_CATALOG.match(text):
        return Statement(text, "use_catalog", schema=(match.group(1), ""))
    if match := _SHOW_CATALOGS.match(text):
        return Statement(text, "show_catalogs", like=match.group("like"))
    if match := _USE_SCHEMA.match(text):
        return Statement(
            text,
            "use_schema",
            schema=(match.group(2), match.group(3)),
            head=match.group("head"),
            rest=match.group("rest"),
        )
    if match := _SCHEMA_STATEMENT.match(text):
        verb = match.group("verb").split()[0].upper().replace("DESC", "DESCRIBE")
        verb = "DESCRIBE" if verb.startswith("DESCRIBE") else verb
        return Statement(
            text,
            f"{verb.lower()}_schema",
            schema=(match.group(3), match.group(4)),
            head=match.group("head"),
            rest=match.group("rest"),
        )
    if match := _SHOW_SCHEMAS.match(text):
        return Statement(
            text, "show_schemas", schema=(match.group(1), ""), like=match.group("like")
        )
    if match := _SHOW_OBJECTS.match(text):
        return Statement(
            text,
            "show_objects",
            schema=(match.group(2), match.group(3)),
            head=match.group("head"),
            rest=match.group("rest"),
        )
    if match := _SHOW_CREATE.match(text):
        return Statement(text, "show_create", objects=(match.groups(),))  # type: ignore[arg-type]
    return _from_tree(text)


def _from_tree(text: str) -> Statement:
    try:
        trees = sqlglot.parse(text, read="databricks")
    except sqlglot.errors.ParseError:
        trees = []
    if len(trees) != 1 or trees[0] is None or isinstance(trees[0], exp.Command):
        return Statement(text)
    tree = trees[0]
    names = tuple(_three_part(table) for table in tree.find_all(exp.Table) if table.catalog)
    kind = str(tree.args.get("kind") or "").upper()
    temporary = bool(tree.find(exp.TemporaryProperty))
    if isinstance(tree, exp.Create) and kind == "VIEW" and not temporary:
        return Statement(text, "create_view", objects=names, created=names[:1], tree=tree)
    if isinstance(tree, exp.Create) and kind == "TABLE":
        external = tree.find(exp.LocationProperty) is not None
        kind_name = "create_external_table" if external else "create_table"
        return Statement(text, kind_name, objects=names, created=names[:1], tree=tree)
    if isinstance(tree, exp.Drop) and kind in ("TABLE", "VIEW"):
        return Statement(text, "drop", objects=names, dropped=names[:1], tree=tree)
    if isinstance(tree, exp.Alter) and len(names) == 2 and tree.find(exp.AlterRename):
        return Statement(
            text, "rename", objects=names, dropped=names[:1], created=names[1:], tree=tree
        )
    if isinstance(tree, exp.Alter | exp.Comment) and kind == "VIEW":
        return Statement(text, "alter_view", objects=names, created=names[:1], tree=tree)
    return Statement(text, "other", objects=names, tree=tree)


def _three_part(table: exp.Table) -> Name:
    return (table.catalog, table.db, table.name)


def qualified(
    text: str, kept: Callable[[str], bool], current: Callable[[], tuple[str, str]] = lambda: HOME
) -> tuple[str, bool]:
    """The statement with each name that has no catalog in the current one, as Databricks
    resolves it, and whether it names `spark_catalog.default` (which always exists).

    With `current()` the current catalog and schema (`spark_catalog`, `default` until a USE),
    `s.t` becomes `catalog.s.t` and a schema `s` `catalog.s`. A one-part `t` becomes
    `catalog.schema.t` when the statement creates it (not as a temporary view) or `kept(t)` says
    it is kept in the current schema; a CTE, a temporary view or an unknown name stays as it is.
    Names of databases already local (`dev_silver__crm`) are left alone."""
    if any(pattern.match(text) for pattern in (*_NAMED_SCHEMA, _SHOW_CREATE)):
        return text, False
    current = functools.cache(current)
    if match := _ONE_PART_SCHEMA.match(text) or _ONE_PART_OBJECTS.match(text):
        head, name, rest = (match[key] or "" for key in ("head", "name", "rest"))
        if match.groupdict().get("used"):
            head, name = match["use"], match["used"]
        catalog, name = current()[0], name.strip("`")
        return f"{head}{_identifier(catalog)}.`{name}`{rest}", (catalog, name.lower()) == HOME
    if match := _ALL_SCHEMAS.match(text):
        return f"SHOW SCHEMAS IN {_identifier(current()[0])}{match['rest']}", False
    tree = _single_tree(text)
    if tree is None or str(tree.args.get("kind") or "").upper() in ("SCHEMA", "DATABASE"):
        return text, False
    places: dict[int | None, str] = {}
    schemas = _qualify_tables(tree, kept, current, places)
    if not schemas:
        return text, False
    if None in places:  # a name whose place in the text is not known
        return tree.sql(dialect="databricks"), HOME in schemas
    for at, prefix in sorted(places.items(), reverse=True):  # type: ignore[arg-type]
        text = text[:at] + prefix + text[at:]  # type: ignore[index]
    return text, HOME in schemas


def _qualify_tables(
    tree: exp.Expression,
    kept: Callable[[str], bool],
    current: Callable[[], tuple[str, str]],
    places: dict[int | None, str],
) -> set[tuple[str, str]]:
    """Each table name without a catalog given the current one (see `qualified`), in place; the
    schemas so named. `places` gets where each name starts in the text and what goes before it
    (the rest of the statement stays as written)."""
    target = _own_target(tree)
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    named: set[tuple[str, str]] = set()
    for table in tree.find_all(exp.Table):
        if table.catalog or not isinstance(table.this, exp.Identifier):
            continue
        first = table.args.get("db") or table.this
        prefix = f"{_identifier(current()[0])}."
        if table.db:
            if is_spark_database(table.db):
                continue
        elif table.name.lower() in ctes or not (table is target or kept(table.name)):
            continue
        else:
            table.set("db", exp.to_identifier(current()[1]))
            prefix += f"{_identifier(current()[1])}."
        table.set("catalog", exp.to_identifier(current()[0]))
        places[first.meta.get("start")] = prefix
        named.add((current()[0], table.db.lower()))
    return named


def _identifier(name: str) -> str:
    escaped = name.replace("`", "``")
    return name if re.fullmatch(r"\w+", name) else f"`{escaped}`"


def _single_tree(text: str) -> exp.Expression | None:
    try:
        trees = sqlglot.parse(text, read="databricks")
    except sqlglot.errors.ParseError:
        return None
    if len(trees) != 1 or trees[0] is None or isinstance(trees[0], exp.Command):
        return None
    return trees[0]


def _own_target(tree: exp.Expression) -> exp.Table | None:
    """The table or view a CREATE (not of a temporary view) makes."""
    if not isinstance(tree, exp.Create) or tree.find(exp.TemporaryProperty):
        return None
    node = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    return node if isinstance(node, exp.Table) else None


_EMPTY_PARENTHESES = re.compile(r"\s*\(\s*\)")
_CURRENT_NAMES = re.compile(r"(?i)\bcurrent_(?:catalog|schema|database)\s*\(")
# Spark's own column names for these calls (current_database() is named as current_schema())
_CURRENT_COLUMNS = {
    exp.CurrentCatalog: "current_catalog()",
    exp.CurrentSchema: "current_schema()",
    exp.CurrentDatabase: "current_schema()",
}


def with_current_names(text: str, current: Callable[[], tuple[str, str]]) -> str:
    """`current_catalog()`, `current_schema()` and `current_database()` as the literals of the
    user's names, `current()`'s catalog and schema (Spark would answer with the local
    `catalog__schema`). A view's are kept: they are read when the view is."""
    tree = _single_tree(text) if _CURRENT_NAMES.search(text) else None
    if tree is None or str(tree.args.get("kind") or "").upper() == "VIEW":
        return text
    catalog, schema = current()
    values = {exp.CurrentCatalog: catalog, exp.CurrentSchema: schema, exp.CurrentDatabase: schema}
    calls = [node for node in tree.find_all(*values) if not node.expressions]
    spans = [_call_span(text, call) for call in calls]
    answers = []
    for call in calls:
        literal: exp.Expression = exp.Literal.string(values[type(call)])
        if isinstance(call.parent, exp.Select) and call.arg_key == "expressions":
            literal = exp.alias_(literal, _CURRENT_COLUMNS[type(call)], quoted=True)
        answers.append(literal.sql(dialect="databricks"))
        call.replace(literal)
    if None in spans:  # a call whose place in the text is not known
        return tree.sql(dialect="databricks") if calls else text
    for (start, end), answer in sorted(zip(spans, answers, strict=True), reverse=True):  # type: ignore[arg-type]
        text = text[:start] + answer + text[end:]
    return text


def _call_span(text: str, call: exp.Expression) -> tuple[int, int] | None:
    """Where a call without arguments is in the text: its name and its parentheses."""
    if "start" not in call.meta:
        return None
    parentheses = _EMPTY_PARENTHESES.match(text, call.meta["end"] + 1)
    return (call.meta["start"], parentheses.end()) if parentheses else None
