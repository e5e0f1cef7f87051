"""The README's commands, read from the README itself: what a person copies is what CI runs."""

from __future__ import annotations

import re
import shlex
import subprocess

from cli_support import ROOT

NOISE = ("WARNING", "log4j", "Falling back", "Traceback", "Setting default log level")


def section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def bash_lines(title: str) -> list[list[str]]:
    """The words of each line of every bash block of the section, comments left out."""
    blocks = re.findall(r"```bash\n(.*?)```", section(title), re.DOTALL)
    assert blocks, f"no bash block under {title}"
    lines = [shlex.split(line, comments=True) for block in blocks for line in block.splitlines()]
    return [words for words in lines if words]


def readme_commands(title: str) -> list[list[str]]:
    """The arguments of each `medallion ...` line of the first bash block under a heading."""
    block = re.search(r"```bash\n(.*?)```", section(title), re.DOTALL)
    assert block is not None, f"no bash block under {title}"
    commands = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    return [command[1:] for command in commands if command and command[0] == "medallion"]


def quiet(result: subprocess.CompletedProcess[str]) -> None:
    for noise in NOISE:
        assert noise not in result.stderr, result.stderr
