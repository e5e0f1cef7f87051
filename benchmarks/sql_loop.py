"""Seconds per SQL statement: one `medallion sql` process each, against one process for many.

Prints, measured in this run on one home:
- a process per statement, each in a JVM of its own (MEDALLION_SERVER=off), with the class archive
  and without it (MEDALLION_CLASS_ARCHIVE=0);
- a process per statement as users type them by default: the first starts the home's server, the
  others run in it;
- `medallion sql -f` with N statements, per statement;
- `medallion shell` fed N statements, per statement, and the marginal cost of one more
  statement once the session is up ((T(N) - T(1)) / (N - 1)), in a JVM of its own; and the same
  N statements in the home's server, as users start it by default.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATEMENTS = [
    "SELECT count(*) FROM dev_bronze.bench.numbers",
    "SELECT max(id) FROM dev_bronze.bench.numbers WHERE id % 7 = 3",
    "INSERT INTO dev_bronze.bench.numbers VALUES (-1)",
    "SHOW TABLES IN dev_bronze.bench",
    "DESCRIBE HISTORY dev_bronze.bench.numbers",
]


def medallion(
    home: Path, *args: str, stdin: str | None = None, archive: bool = True, server: str = "off"
) -> float:
    env = {
        **os.environ,
        "MEDALLION_CLASS_ARCHIVE": "1" if archive else "0",
        "MEDALLION_SERVER": server,
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "medallion_orchestrator", *args, "--home", str(home)],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=10)
    count = parser.parse_args().statements
    statements = [STATEMENTS[i % len(STATEMENTS)] for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        medallion(home, "sql", "CREATE SCHEMA dev_bronze.bench")
        medallion(
            home, "sql", "CREATE TABLE dev_bronze.bench.numbers AS SELECT id FROM range(100000)"
        )
        script = Path(folder) / "script.sql"
        script.write_text(";\n".join(statements))
        each = [medallion(home, "sql", s) for s in statements]
        each_cold = [medallion(home, "sql", s, archive=False) for s in statements[:3]]
        try:
            served = [medallion(home, "sql", s, server="auto") for s in statements]
            typed = ";\n".join(statements) + ";\n"
            served_shell = medallion(home, "shell", stdin=typed, server="auto")
        finally:
            medallion(home, "server", "stop")
        from_file = medallion(home, "sql", "-f", str(script))
        one_in_shell = medallion(home, "shell", stdin=statements[0] + ";\n")
        shell = medallion(home, "shell", stdin=";\n".join(statements) + ";\n")
    per_process = sum(each) / count
    per_process_cold = sum(each_cold) / len(each_cold)
    marginal = (shell - one_in_shell) / (count - 1)
    print(f"{count} statements, seconds per statement")
    print(f"  a process each, class archive        {per_process:6.2f}")
    print(f"  a process each, no class archive     {per_process_cold:6.2f}")
    print(f"  a process each, the server's first   {served[0]:6.2f}")
    print(f"  a process each, in the server after  {sum(served[1:]) / (count - 1):6.2f}")
    print(f"  medallion sql -f (one process)       {from_file / count:6.2f}")
    print(f"  medallion shell (one process)        {shell / count:6.2f}")
    print(f"  one more statement in a live shell   {marginal:6.2f}")
    print(f"  medallion shell, in the server       {served_shell / count:6.2f}")
    print(
        f"archive_speedup={per_process_cold / per_process:.2f} "
        f"shell_own_jvm_vs_server={shell / served_shell:.1f} "
        f"own_jvm_vs_server={per_process / (sum(served[1:]) / (count - 1)):.1f} "
        f"process_per_statement_vs_live_shell={per_process / max(marginal, 1e-3):.1f}"
    )


if __name__ == "__main__":
    main()
