"""`medallion`: the local command line (README.md, "The command line", is the contract)."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator import variables
from medallion_orchestrator.errors import ConfigError, EnvironmentProblem, InvalidMetadata
from medallion_orchestrator.execution.progress import RunProgress
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.execution.summary import render_summary
from medallion_orchestrator.history.lock import LayerLocked
from medallion_orchestrator.interrupts import EXIT_INTERRUPTED, exit_code, stopping_on_signals
from medallion_orchestrator.project import DEFAULT_HOME, ProjectLayout
from medallion_orchestrator.reader_gone import reader_gone
from medallion_orchestrator.runners.chain import AUTO, RUNNER_CHOICES
from medallion_orchestrator.runtime.quiet import quiet_pyspark_loggers
from medallion_orchestrator.sql_console import FORMATS, TABLE_LIMIT, StatementFailed

if TYPE_CHECKING:
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.planning import Plan
    from medallion_orchestrator.run_request import RunRequest

EXIT_OK, EXIT_FAILED, EXIT_NOT_RUN = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    home = resolve_home(args.home)
    if args.in_server:
        try:
            code = _in_server(
                home, args, list(sys.argv[1:] if argv is None else argv), argv is None
            )
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except (ConfigError, EnvironmentProblem) as problem:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_NOT_RUN
        if code is not None:
            return code
    _configure_logging(args.verbose)
    from medallion_orchestrator.application import Application  # not for a command sent on

    app = Application(
        home=home,
        environment_name=args.env,
        metadata_table_override=args.metadata_table,
        runner_choice=getattr(args, "runner", AUTO),
        databricks_profile=getattr(args, "profile", None),
    )
    try:
        if getattr(args, "needs_lakehouse", True) and not home.exists():
            print(f"creating a new local lakehouse in {home}", file=sys.stderr)
        with stopping_on_signals(app.cancellation):  # Ctrl-C, SIGTERM: interrupts.py
            code = int(args.command(app, args))
        return exit_code(code, app.cancellation)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InvalidMetadata as invalid:
        print(f"error: {invalid}", file=sys.stderr)
        print(getattr(args, "refused", "nothing was run"), file=sys.stderr)
        return EXIT_NOT_RUN
    except (ConfigError, EnvironmentProblem, LayerLocked) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_NOT_RUN
    except StatementFailed as failed:
        if isinstance(failed.error, BrokenPipeError):
            return reader_gone(sys.stdout)
        _print_error(failed.error, app, args.verbose)
        print(failed.context(), file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return reader_gone(sys.stdout)
    except Exception as error:
        _print_error(error, app, args.verbose)
        return EXIT_FAILED


def _in_server(home: Path, args: argparse.Namespace, given: list[str], typed: bool) -> int | None:
    """The command's exit code, run by the home's server; None: run it in this process. In auto
    mode, a command typed (not main() called by a program) starts the server when none runs."""
    mode = variables.server_mode()
    if mode == "auto" and not typed:
        mode = "manual"
    if mode == "off":
        return None
    from medallion_orchestrator.server import client
    from medallion_orchestrator.server.channel import Message
    from medallion_orchestrator.server.launch import ServerDidNotStart, launch, stale

    running = client.ask(home, "status") if mode == "auto" else None
    if mode == "auto" and (running is None or stale(running)):

        def announce(stale_server: Message | None) -> None:
            if getattr(args, "needs_lakehouse", True) and not home.exists():
                print(f"creating a new local lakehouse in {home}", file=sys.stderr)
            print(_starting(restart=stale_server is not None), file=sys.stderr)

        try:
            launch(home, replace_stale=True, announce=announce)
        except ServerDidNotStart as problem:
            print(f"{problem}; this command runs in its own JVM", file=sys.stderr)
            return None
    prompts = args.command is _shell and sys.stdin.isatty()
    return client.run_in_server(home, given, reads_stdin=_reads_stdin(args), prompts=prompts)


def _starting(restart: bool) -> str:
    what = (
        "restarting the server on this code and JVM settings"
        if restart
        else "starting a warm server"
    )
    return (
        f"{what} for this home: later commands start in about a second (it stops after "
        f"{variables.server_idle_minutes():g} idle minutes, or with medallion server stop; "
        f"{variables.SERVER}=off runs each command in its own JVM)"
    )


def _reads_stdin(args: argparse.Namespace) -> bool:
    if args.command is _shell:
        return True  # a script piped in; typed lines are asked for (`prompts`)
    return args.command is _sql and args.file is None and args.statement in (None, "-")


def resolve_home(given: str | None) -> Path:
    """--home, else MEDALLION_HOME, else `.medallion` in the project folder (else here)."""
    if given:
        return Path(given)
    if explicit := variables.home():
        return explicit
    try:
        return ProjectLayout.find().root / DEFAULT_HOME
    except ConfigError:
        return DEFAULT_HOME


def _print_error(error: BaseException, app: Application, verbose: bool) -> None:
    from medallion_orchestrator.error_text import one_line

    if verbose:
        traceback.print_exception(error, file=sys.stderr)
    print(f"error: {one_line(error, app.user_catalogs())}", file=sys.stderr)


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command name.

    Only the top-level parser sets defaults, so a value given before the command is kept.
    """

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home",
        default=default(None),
        help=(
            f"local lakehouse folder (env {variables.HOME}; "
            "default .medallion in the project folder)"
        ),
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
    parser.set_defaults(in_server=True)  # run by the home's server, when one runs
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", parents=[common], help="build the demo lakehouse and run it")
    demo.add_argument("--day", type=int, default=1, choices=[1, 2], help="which day of bronze data")
    demo.add_argument("--max-workers", type=int, default=None)
    _runner_options(demo)
    demo.set_defaults(command=_demo)

    init = commands.add_parser("init", parents=[common], help="create the execution table")
    init.set_defaults(command=_init)

    run = commands.add_parser("run", parents=[common], help="run a layer, or several together")
    run.add_argument(
        "--layer",
        required=True,
        action="append",
        help="e.g. bronze_to_silver; given again (--layer silver_to_gold), the layers run as one "
        "graph: each task starts once the tables it reads have loaded",
    )
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
    _picture_option(run)
    _full_refresh_option(run)
    run.add_argument(
        "--pin-inputs",
        action="store_true",
        help="every gold build reads what it reads from outside the layer at the Delta versions "
        "of the run's start (kept in run_log; a repair reuses them)",
    )
    run.add_argument(
        "--select",
        metavar="TABLE",
        action="extend",
        nargs="+",
        default=[],
        help="run only these destinations (catalog.schema.table); +TABLE adds what it waits for",
    )
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
    runs.add_argument(
        "--timeline",
        metavar="FILE",
        type=Path,
        default=None,
        help="write the run's timeline: FILE.html (self-contained), .png or .svg",
    )
    runs.add_argument(
        "--compare",
        metavar="PREVIOUS_RUN_ID",
        default=None,
        help="tasks slower or faster than in that run, new failures, the makespan's change",
    )
    runs.set_defaults(command=_runs)

    plan = commands.add_parser(
        "plan", parents=[common], help="what the next run would build, and why (writes nothing)"
    )
    _layer_options(plan)
    _full_refresh_option(plan)
    _picture_option(plan)
    plan.set_defaults(command=_plan)

    validate = commands.add_parser("validate", parents=[common], help="validate a layer's rows")
    _layer_options(validate)
    validate.set_defaults(command=_validate)

    _sql_commands(commands, common)
    _server_command(commands, common)

    metadata = commands.add_parser("metadata", parents=[common], help="metadata rows")
    metadata_commands = metadata.add_subparsers(required=True, metavar="ACTION")
    load = metadata_commands.add_parser("load", parents=[common], help="MERGE rows from YAML")
    load.add_argument("path", type=_existing, help="a YAML file or a folder of them")
    load.set_defaults(command=_metadata_load, refused="nothing was written")
    return parser


def _sql_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sql = commands.add_parser("sql", parents=[common], help="run Spark SQL on the lakehouse")
    sql.add_argument(
        "statement",
        nargs="?",
        default=None,
        help="SQL (several separated by ;); three-level names work as on Databricks; "
        "- or nothing: read standard input",
    )
    sql.add_argument(
        "-f", "--file", type=_existing, default=None, help="run the statements of a file"
    )
    _output_options(sql)
    sql.set_defaults(command=_sql)

    shell = commands.add_parser(
        "shell", parents=[common], help="an interactive SQL prompt that keeps one session"
    )
    _output_options(shell)
    shell.set_defaults(command=_shell, in_server=True)


def _server_command(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    server = commands.add_parser(
        "server",
        parents=[common],
        help="keep one warm JVM for this home: its commands then start in about a second",
    )
    server.add_argument("action", choices=["start", "stop", "status"])
    server.set_defaults(command=_server, in_server=False, needs_lakehouse=False)


def _full_refresh_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--full-refresh",
        metavar="TABLE",
        action="append",
        nargs="*",
        default=None,
        help="alone: build every gold table, even one whose SQL and inputs are as last built; "
        "with TABLEs (catalog.schema.table, repeatable): rebuild those tables from nothing "
        "(silver: from the initial hydrate snapshot and the whole source)",
    )


def _existing(text: str) -> Path:
    """A path that exists: checked before anything starts (or a new lakehouse is made)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {text}")
    return path


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument(
        "--limit",
        type=int,
        default=TABLE_LIMIT,
        help=f"rows shown per result in table format (default {TABLE_LIMIT}, 0: all); "
        "csv and json always print every row",
    )


def _layer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", required=True, help="e.g. bronze_to_silver, silver_to_gold")


def _picture_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--picture",
        metavar="FILE",
        type=Path,
        default=None,
        help="draw the plan: its batches or dependencies, each task's expected duration "
        "(FILE.html, self-contained; .png or .svg)",
    )


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
    """Our progress lines at INFO; other libraries' (kaleido's, say) only from WARNING."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
        force=True,  # this command's stderr, also in a server that ran others before
    )
    logging.getLogger("medallion_orchestrator").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    logging.getLogger("sqlglot").setLevel(logging.DEBUG if verbose else logging.ERROR)
    if verbose:
        variables.show_jvm_output()
    else:
        quiet_pyspark_loggers()


def _init(app: Application, args: argparse.Namespace) -> int:
    app.repository.init()
    app.run_history.ensure_tables()  # so that first runs started together need not create them
    print(f"execution table ready: {app.repository.table_name}")
    tables = app.run_history.tables
    print(f"run history ready: run_log, task_run_log, run_lock in {tables.catalog}.{tables.schema}")
    return EXIT_OK


def _validate(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.orchestration import validated_rows

    rows = validated_rows(app, args.layer)
    print(f"layer {args.layer}: {len(rows)} active row(s), all valid")
    return EXIT_OK


def _plan(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.gold_plan import gold_plan, render_plan
    from medallion_orchestrator.orchestration import choose_scheduler, plan
    from medallion_orchestrator.refresh_selection import with_full_refresh
    from medallion_orchestrator.run_request import RunRequest

    full_refresh, tables = RunRequest.full_refresh_given(args.full_refresh)
    layer_plan = with_full_refresh(plan(app, args.layer), tables)
    scheduler = choose_scheduler(layer_plan)
    print(layer_plan.describe())
    print(f"scheduler: {scheduler}")
    _draw_plan(app, layer_plan, scheduler, None, args.picture)
    changes = gold_plan(app, args.layer, full_refresh, tables)
    if changes:
        print()
        print(render_plan(changes))
    return EXIT_OK


def _run(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.run_request import RunRequest
    from medallion_orchestrator.run_together import run_layers

    full_refresh, tables = RunRequest.full_refresh_given(args.full_refresh)
    request = RunRequest(
        args.layer,
        args.max_workers,
        args.continue_on_failure,
        args.scheduler,
        args.repair,
        args.select,
        full_refresh,
        args.pin_inputs,
        full_refresh_tables=tables,
    )
    if args.dry_run:
        _dry_run(app, request, args.picture)
        return EXIT_OK
    _refuse_picture(args)
    app.runner  # noqa: B018 - chosen first: a --runner that cannot apply stops before any work
    progress = RunProgress(app.clock)
    with _watch(args)(progress):
        results = run_layers(app, request, progress=progress)
    return max(_report(result) for result in results)


def _dry_run(app: Application, request: RunRequest, picture: Path | None) -> None:
    from medallion_orchestrator.orchestration import choose_scheduler, plan
    from medallion_orchestrator.refresh_selection import with_full_refresh
    from medallion_orchestrator.run_together import plan_layers

    tables = request.full_refresh_tables
    if len(request.layers) > 1:
        graph = with_full_refresh(plan_layers(app, request.layers).graph, tables)
        print(graph.describe())
        print("scheduler: dag (layers run together)")
        _draw_plan(app, graph, "dag", request.max_workers, picture, request.layers)
        return
    layer_plan = with_full_refresh(plan(app, request.layer, request.select), tables)
    scheduler = choose_scheduler(layer_plan, request.scheduler)
    print(layer_plan.describe())
    print(f"scheduler: {scheduler}")
    _draw_plan(app, layer_plan, scheduler, request.max_workers, picture)


def _refuse_picture(args: argparse.Namespace) -> None:
    if args.picture is not None:
        raise ConfigError(
            "--picture draws the plan: give it with --dry-run (or use medallion plan)"
        )


def _runs(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.history.views import print_run, print_runs

    if args.run_id:
        code = print_run(app.run_history, args.run_id, sys.stdout)
        if args.timeline is not None or args.compare is not None:
            from medallion_orchestrator.run_timeline import report_timeline

            report_timeline(app, args.run_id, args.timeline, args.compare, sys.stdout)
        return code
    if args.timeline is not None or args.compare is not None:
        raise ConfigError("--timeline and --compare are about one run: give its RUN_ID")
    print_runs(app.run_history, args.last, sys.stdout)
    return EXIT_OK


def _draw_plan(
    app: Application,
    layer_plan: Plan,
    scheduler: str,
    workers: int | None,
    path: Path | None,
    layers: Sequence[str] = (),
) -> None:
    """The plan's picture in `path` (.html, .png or .svg), with the past durations of its
    layer's tasks (of `layers`' tasks, for layers run together)."""
    if path is None:
        return
    from medallion_orchestrator.history.timeline_figure import write_figure
    from medallion_orchestrator.plan_figure import plan_figure
    from medallion_orchestrator.plan_views import plan_picture_of

    picture = plan_picture_of(app, layer_plan, scheduler, workers, layers)
    write_figure(plan_figure(picture), path, "--picture")
    print(
        f"plan picture written to {path}: {len(picture.tasks)} task(s), expected critical path "
        f"{picture.critical_seconds:.1f} s, lower bound {picture.lower_bound:.1f} s"
    )


def _watch(args: argparse.Namespace) -> Callable[[RunProgress], AbstractContextManager[object]]:
    """A run's live display in a terminal; none with --verbose, whose log lines say it all."""
    from medallion_orchestrator.live_progress import shown

    return (lambda _: nullcontext()) if args.verbose else shown


def _report(result: RunResult) -> int:
    print(render_summary(result))
    return EXIT_OK if result.succeeded else EXIT_FAILED


def _sql(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.sql_console import Output, run_statements
    from medallion_orchestrator.statement_cancel import cancelled_by_ctrl_c

    if args.file is not None and args.statement is not None:
        raise ConfigError("give a statement or -f FILE, not both")
    if args.file is not None:
        text = args.file.read_text()
    elif args.statement is None or args.statement == "-":
        if sys.stdin.isatty():
            raise ConfigError("no statement: give one, -f FILE, or statements on standard input")
        text = sys.stdin.read()
    else:
        text = args.statement
    with cancelled_by_ctrl_c(app.lakehouse.spark) as cancelled:
        try:
            run_statements(app.lakehouse, text, Output(args.format, args.limit))
        except StatementFailed as failed:
            if not cancelled.is_set():
                raise
            print(f"cancelled\n{failed.context()}", file=sys.stderr)
            return EXIT_INTERRUPTED
    return EXIT_OK


def _shell(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.sql_console import Output
    from medallion_orchestrator.sql_shell import SqlShell

    return SqlShell(app, Output(args.format, args.limit)).loop()


def _server(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.server import commands

    action: Callable[[Path], int] = getattr(commands, args.action)
    return action(app.home)


def _metadata_load(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.metadata.files import read_rows
    from medallion_orchestrator.metadata.validation import check_upsert

    rows = read_rows(args.path)
    current = app.repository.active_rows() if app.repository.exists() else []
    check_upsert(current, rows, app.pipelines, app.layout.sql_dir, app.environment.catalogs)
    app.repository.init()
    counts = app.repository.upsert(rows)
    print(
        f"{len(rows)} row(s) from {args.path}: {counts.inserted} inserted, "
        f"{counts.updated} updated, {counts.unchanged} unchanged"
    )
    return EXIT_OK


def _demo(app: Application, args: argparse.Namespace) -> int:
    from medallion_orchestrator.demo.run import run_demo
    from medallion_orchestrator.run_timeline import demo_timeline

    app.runner  # noqa: B018 - chosen first: a --runner that cannot apply stops before any work
    results = run_demo(app, day=args.day, max_workers=args.max_workers, watch=_watch(args))
    codes = [_report(result) for result in results]
    for result in results:
        demo_timeline(app, result.run_id, sys.stdout)
    return max(codes, default=EXIT_OK)


if __name__ == "__main__":
    raise SystemExit(main())
