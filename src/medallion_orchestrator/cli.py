"""`medallion`: the local command line (see DESIGN.md for the contract)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import ConfigError, EnvironmentProblem, InvalidMetadata
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.execution.summary import render_summary
from medallion_orchestrator.history.lock import LayerLocked
from medallion_orchestrator.runners.chain import AUTO, RUNNER_CHOICES

EXIT_OK, EXIT_FAILED, EXIT_NOT_RUN = 0, 1, 2
HOME_ENV = "MEDALLION_HOME"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose)
    app = Application(
        home=Path(args.home),
        environment_name=args.env,
        metadata_table_override=args.metadata_table,
        runner_choice=getattr(args, "runner", AUTO),
        databricks_profile=getattr(args, "profile", None),
    )
    try:
        return int(args.command(app, args))
    except InvalidMetadata as invalid:
        print(f"error: {invalid}", file=sys.stderr)
        print("nothing was run", file=sys.stderr)
        return EXIT_NOT_RUN
    except (ConfigError, EnvironmentProblem, LayerLocked) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_NOT_RUN


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command name.

    Only the top-level parser sets defaults, so a value given before the command is kept.
    """

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home",
        default=default(os.environ.get(HOME_ENV, ".medallion")),
        help=f"local lakehouse folder (env {HOME_ENV}, default ./.medallion)",
    )
    common.add_argument("--env", default=default(None), help="environment in conf/environments.yml")
    common.add_argument(
        "--metadata-table", default=default(None), help="catalog.schema.table to use"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="debug logging"
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=False)
    parser = argparse.ArgumentParser(
        prog="medallion", parents=[_common_options(defaults=True)], description=__doc__
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", parents=[common], help="build the demo lakehouse and run it")
    demo.add_argument("--day", type=int, default=1, choices=[1, 2], help="which day of bronze data")
    demo.add_argument("--max-workers", type=int, default=None)
    _runner_options(demo)
    demo.set_defaults(command=_demo)

    init = commands.add_parser("init", parents=[common], help="create the execution table")
    init.set_defaults(command=_init)

    run = commands.add_parser("run", parents=[common], help="run one layer")
    _layer_options(run)
    run.add_argument("--max-workers", type=int, default=None, help="parallel tasks (default 5)")
    run.add_argument(
        "--continue-on-failure",
        action="store_true",
        help="start later batches (dag: the dependents of a failed task) anyway",
    )
    run.add_argument(
        "--scheduler",
        choices=["auto", "batch", "dag"],
        default="auto",
        help="batch: by execution_order; dag: each task once what it depends on succeeded; "
        "auto (default): dag if a row has depends_on, else batch",
    )
    run.add_argument("--dry-run", action="store_true", help="validate and print the plan only")
    _runner_options(run)
    run.add_argument(
        "--repair",
        metavar="RUN_ID",
        default=None,
        help="re-run only what failed, timed out or was skipped in that run",
    )
    run.set_defaults(command=_run)

    runs = commands.add_parser("runs", parents=[common], help="run history")
    runs.add_argument("run_id", nargs="?", default=None, help="one run, with every attempt")
    runs.add_argument("--last", type=int, default=10, help="how many runs (default 10)")
    runs.set_defaults(command=_runs)

    validate = commands.add_parser("validate", parents=[common], help="validate a layer's rows")
    _layer_options(validate)
    validate.set_defaults(command=_validate)

    sql = commands.add_parser("sql", parents=[common], help="run Spark SQL on the lakehouse")
    sql.add_argument("statement", help="SQL; three-level names work as on Databricks")
    sql.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sql.set_defaults(command=_sql)

    metadata = commands.add_parser("metadata", parents=[common], help="metadata rows")
    metadata_commands = metadata.add_subparsers(required=True, metavar="ACTION")
    load = metadata_commands.add_parser("load", parents=[common], help="MERGE rows from YAML")
    load.add_argument("path", type=Path, help="a YAML file or a folder of them")
    load.set_defaults(command=_metadata_load)
    return parser


def _layer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", required=True, help="e.g. bronze_to_silver, silver_to_gold")


def _runner_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runner",
        choices=RUNNER_CHOICES,
        default=AUTO,
        help="where tasks run: local, jobs (Databricks Jobs API), dbutils (in a Databricks "
        "notebook); auto (default): the first that applies of dbutils, jobs, local",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="Databricks config profile for the Jobs API (default: DATABRICKS_CONFIG_PROFILE, "
        "DATABRICKS_HOST/DATABRICKS_TOKEN or the DEFAULT profile)",
    )


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "pyspark", "SQLQueryContextLogger"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _init(app: Application, args: argparse.Namespace) -> int:
    app.repository.init()
    print(f"execution table ready: {app.repository.table_name}")
    return EXIT_OK


def _validate(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.orchestration import validated_rows

    rows = validated_rows(app, args.layer)
    print(f"layer {args.layer}: {len(rows)} active row(s), all valid")
    return EXIT_OK


def _run(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.orchestration import choose_scheduler, plan, run_layer

    if args.max_workers is not None and args.max_workers < 1:
        print("error: --max-workers must be at least 1", file=sys.stderr)
        return EXIT_NOT_RUN
    if args.dry_run:
        layer_plan = plan(app, args.layer)
        print(layer_plan.describe())
        print(f"scheduler: {choose_scheduler(layer_plan, args.scheduler)}")
        return EXIT_OK
    app.runner  # noqa: B018 - chosen first: a --runner that cannot apply stops before any work
    result = run_layer(
        app,
        args.layer,
        args.max_workers,
        args.continue_on_failure,
        scheduler=args.scheduler,
        repair_of=args.repair,
    )
    return _report(result)


def _runs(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.history.views import print_run, print_runs

    if args.run_id:
        return print_run(app.run_history, args.run_id, sys.stdout)
    print_runs(app.run_history, args.last, sys.stdout)
    return EXIT_OK


def _report(result: RunResult) -> int:
    print(render_summary(result))
    return EXIT_OK if result.succeeded else EXIT_FAILED


def _sql(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.sql_console import run_statements

    run_statements(app.lakehouse, args.statement, args.format, sys.stdout)
    return EXIT_OK


def _metadata_load(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.metadata.files import read_rows

    rows = read_rows(args.path)
    app.repository.init()
    counts = app.repository.upsert(rows)
    print(
        f"{len(rows)} row(s) from {args.path}: {counts.inserted} inserted, "
        f"{counts.updated} updated, {counts.unchanged} unchanged"
    )
    return EXIT_OK


def _demo(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.demo.run import run_demo

    app.runner  # noqa: B018 - chosen first: a --runner that cannot apply stops before any work
    results = run_demo(app, day=args.day, max_workers=args.max_workers)
    codes = [_report(result) for result in results]
    return max(codes, default=EXIT_OK)


if __name__ == "__main__":
    raise SystemExit(main())
