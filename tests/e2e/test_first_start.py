"""A first start that cannot fetch the Delta jars says so in one line, and where the details are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli_support import ROOT

# Every HTTP(S) request of the JVM goes to a closed local port: nothing can be downloaded.
NO_NETWORK = (
    "-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9 -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=9"
)


def test_jars_that_cannot_be_fetched_give_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "MEDALLION_SERVER": "auto",  # as a user's first command: the server fails to start
        "MEDALLION_JARS_CACHE": str(tmp_path / "empty-cache"),
        "JAVA_TOOL_OPTIONS": NO_NETWORK,
    }

    result = subprocess.run(
        [sys.executable, "-m", "medallion_orchestrator", "sql", "SELECT 1", "--home", str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"creating a new local lakehouse in {home}",
        "starting a warm server for this home: later commands start in about a second (it stops "
        "after 30 idle minutes, or with medallion server stop; MEDALLION_SERVER=off runs each "
        "command in its own JVM)",
        "error: Spark could not start: the Delta Lake jars could not be fetched from Maven "
        "Central or the JVM exited; check the network and run it again "
        f"(details: {home / 'logs' / 'spark.log'})",
    ]
    assert "unresolved dependency" in (home / "logs" / "spark.log").read_text()
