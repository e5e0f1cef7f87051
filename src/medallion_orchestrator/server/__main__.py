"""`python -m medallion_orchestrator.server --home DIR`: what `medallion server start` runs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from medallion_orchestrator.runtime.quiet import quiet_pyspark_loggers
from medallion_orchestrator.server.process import Server


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m medallion_orchestrator.server")
    parser.add_argument("--home", required=True, type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    quiet_pyspark_loggers()
    Server(args.home).serve()


if __name__ == "__main__":
    main()
