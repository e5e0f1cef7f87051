"""`python -m medallion_orchestrator.server --home DIR`: what `medallion server start` runs."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.runtime.quiet import quiet_pyspark_loggers
from medallion_orchestrator.server.own_log import log_to_server_only
from medallion_orchestrator.server.process import Server


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m medallion_orchestrator.server")
    parser.add_argument("--home", required=True, type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    log_to_server_only()
    quiet_pyspark_loggers()
    try:
        Server(args.home).serve()
    except EnvironmentProblem as problem:  # its last line, which the command starting it shows
        print(f"error: {problem}", flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
