"""The commands of the README and docs/, read from the files themselves: what a person copies is
what CI runs."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from cli_support import ROOT, medallion

NOISE = ("WARNING", "log4j", "Falling back", "Traceback", "Setting default log level")


def section(title: str, document: str = "README.md") -> str:
    """The section under the heading `title` of `document` (a path from the repository's root),
    to the next heading of its level or above; a `#` line inside a code block is no heading."""
    lines = (ROOT / document).read_text().splitlines(keepends=True)
    headings, fenced = [], False
    for number, line in enumerate(lines):
        fenced ^= line.startswith("```")
        if not fenced and (match := re.match(r"(#+) (.*)\n", line)):
            headings.append((number, len(match.group(1)), match.group(2)))
    found = [(number, level) for number, level, text in headings if text == title]
    assert found, f"no heading {title!r} in {document}"
    (start, level), *_ = found
    ends = [number for number, depth, _ in headings if number > start and depth <= level]
    return "".join(lines[start : ends[0] if ends else len(lines)])


def bash_lines(title: str, document: str = "README.md") -> list[list[str]]:
    """The words of each line of every bash block of the section, comments left out."""
    blocks = re.findall(r"```bash\n(.*?)```", section(title, document), re.DOTALL)
    assert blocks, f"no bash block under {title}"
    lines = [shlex.split(line, comments=True) for block in blocks for line in block.splitlines()]
    return [words for words in lines if words]


def readme_commands(title: str, document: str = "README.md") -> list[list[str]]:
    """The arguments of each `medallion ...` line of the first bash block under a heading."""
    block = re.search(r"```bash\n(.*?)```", section(title, document), re.DOTALL)
    assert block is not None, f"no bash block under {title}"
    commands = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    return [command[1:] for command in commands if command and command[0] == "medallion"]


def quiet(result: subprocess.CompletedProcess[str]) -> None:
    for noise in NOISE:
        assert noise not in result.stderr, result.stderr


def run_commands(
    home: Path, title: str, document: str = "README.md"
) -> list[tuple[list[str], subprocess.CompletedProcess[str]]]:
    """Each `medallion ...` line under the heading run as written, in order, one process each
    on `home` (its server warms up, as a user's): its arguments and what it did, with no noise
    on standard error."""
    results = []
    for args in readme_commands(title, document):
        result = medallion(home, *args, warm_up=True)
        quiet(result)
        results.append((args, result))
    return results
