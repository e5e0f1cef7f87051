"""The one classifier of transient errors, on the texts Delta, Spark and Databricks produce."""

from __future__ import annotations

import pytest

from fakes import ConcurrentAppendException
from medallion_orchestrator.transient import (
    is_concurrent_conflict,
    is_creation_race,
    is_timeout,
    is_transient,
    is_transient_api_error,
    reported_error_class,
)

CONFLICTS = [
    # Delta on Spark 4: error condition, Java class, message
    "[DELTA_CONCURRENT_APPEND.WITHOUT_HINT] ConcurrentAppendException: Files were added to the "
    "root of the table by a concurrent update. Please try the operation again.",
    "io.delta.exceptions.ConcurrentAppendException: Files were added to partition [d=1] by a "
    "concurrent update. Please try the operation again.",
    "[DELTA_CONCURRENT_DELETE_READ] ConcurrentDeleteReadException: This transaction attempted to "
    "read one or more files that were deleted (for example part-00001.snappy.parquet) by a "
    "concurrent update. Please try the operation again.",
    "[DELTA_CONCURRENT_DELETE_DELETE] ConcurrentDeleteDeleteException: This transaction attempted "
    "to delete one or more files that were deleted by a concurrent update.",
    "[DELTA_CONCURRENT_TRANSACTION] ConcurrentTransactionException: This error occurs when "
    "multiple streaming queries are using the same checkpoint to write into this table.",
    "[DELTA_METADATA_CHANGED] MetadataChangedException: The metadata of the Delta table has been "
    "changed by a concurrent update. Please try the operation again.",
    "[DELTA_PROTOCOL_CHANGED] ProtocolChangedException: The protocol version of the Delta table "
    "has been changed by a concurrent update.",
    "delta.exceptions.ConcurrentWriteException: A concurrent transaction has written new data "
    "since the current transaction read the table.",
]

OTHER_TRANSIENT = [
    "org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 12.0 "
    "failed 4 times, most recent failure: Lost task 3.3 in stage 12.0 (TID 90) (10.1.2.3 "
    "executor 5): ExecutorLostFailure (executor 5 exited caused by one of the running tasks) "
    "Reason: Remote RPC client disassociated.",
    "The spark driver has stopped unexpectedly and is restarting. Your notebook will be "
    "automatically reattached.",
    "databricks.sdk.errors.platform.TooManyRequests: Too many requests. Please wait a moment.",
    "HTTP 429 Too Many Requests",
    "Received status code 503 from the server",
    "503 Service Unavailable",
    "TEMPORARILY_UNAVAILABLE: The service is temporarily unavailable",
    "REQUEST_LIMIT_EXCEEDED: rate limit for workspace exceeded",
]

PERMANENT = [
    "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name "
    "`x` cannot be resolved.",
    "[TABLE_OR_VIEW_NOT_FOUND] The table or view `dev_bronze`.`shop`.`customers` cannot be found.",
    "LoadError: dev_silver.shop.customers: 4290 rows have a NULL key customer_id",
    "[DELTA_CREATE_EXTERNAL_TABLE_WITHOUT_TXN_LOG] You are trying to create an external table",
    "com.databricks.WorkflowException: com.databricks.NotebookExecutionException: FAILED: "
    "Workload failed, see run output for details",
    "java.util.ConcurrentModificationException",
    "NULL in key column id (429 row(s))",
    "",
]


@pytest.mark.parametrize("text", CONFLICTS + OTHER_TRANSIENT)
def test_transient_texts(text: str) -> None:
    assert is_transient(text)


@pytest.mark.parametrize("text", PERMANENT)
def test_permanent_texts(text: str) -> None:
    assert not is_transient(text)


@pytest.mark.parametrize("text", CONFLICTS)
def test_conflicts_are_concurrent_conflicts(text: str) -> None:
    assert is_concurrent_conflict(text)


@pytest.mark.parametrize("text", OTHER_TRANSIENT + PERMANENT)
def test_other_errors_are_not_concurrent_conflicts(text: str) -> None:
    assert not is_concurrent_conflict(text)


def test_an_exception_is_classified_by_its_class_and_its_causes() -> None:
    assert is_transient(ConcurrentAppendException("files were added"))
    try:
        try:
            raise ConnectionError("503 Service Unavailable")
        except ConnectionError as cause:
            raise RuntimeError("the load failed") from cause
    except RuntimeError as error:
        assert is_transient(error)
    assert not is_transient(ValueError("bad key"))


def api_error(name: str, code: str) -> Exception:
    """As databricks-sdk raises it: the class by HTTP status and error code, the code kept."""
    from databricks.sdk import errors

    return getattr(errors, name)(f"{code}: what the workspace said", error_code=code)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("TooManyRequests", "TOO_MANY_REQUESTS"),  # 429
        ("InternalError", "INTERNAL_ERROR"),  # 500
        ("DatabricksError", "BAD_GATEWAY"),  # a proxy's 502, no JSON body
        ("TemporarilyUnavailable", "TEMPORARILY_UNAVAILABLE"),  # 503
        ("DeadlineExceeded", "DEADLINE_EXCEEDED"),  # 504
    ],
)
def test_a_databricks_api_error_worth_calling_again_is_a_transient_task_error(
    name: str, code: str
) -> None:
    error = api_error(name, code)

    assert is_transient_api_error(error)
    assert is_transient(error)  # one decision: a task that failed on it is tried again
    try:
        raise TimeoutError("Timed out after 0:01:00") from error  # the SDK's budget spent
    except TimeoutError as spent:
        assert is_transient_api_error(spent)
        assert is_transient(spent)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("InvalidParameterValue", "INVALID_PARAMETER_VALUE"),
        ("PermissionDenied", "PERMISSION_DENIED"),
        ("DataLoss", "DATA_LOSS"),  # a 500 not worth another call
    ],
)
def test_other_databricks_api_errors_are_not_transient(name: str, code: str) -> None:
    error = api_error(name, code)

    assert not is_transient_api_error(error)
    assert not is_transient(error)


def test_a_creation_race_is_read_in_the_causes_too() -> None:
    race = "[DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION] Cannot create table ('run_log')."
    assert is_creation_race(race)
    try:
        try:
            raise RuntimeError(race)
        except RuntimeError as cause:
            raise ValueError("creating the history tables failed") from cause
    except ValueError as error:
        assert is_creation_race(error)
    assert not is_creation_race(PERMANENT[0])


@pytest.mark.parametrize(
    ("text", "timed_out"),
    [
        ("com.databricks.WorkflowException: Notebook run timed out after 900 seconds", True),
        ("Run TIMEDOUT", True),
        ("com.databricks.NotebookExecutionException: FAILED: Workload failed", False),
    ],
)
def test_timeouts(text: str, timed_out: bool) -> None:
    assert is_timeout(RuntimeError(text)) is timed_out


REPORTED = [
    (
        "[DELTA_CONCURRENT_APPEND.WITHOUT_HINT] ConcurrentAppendException: Files were added",
        "DELTA_CONCURRENT_APPEND.WITHOUT_HINT",
    ),
    ("AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] x", "AnalysisException"),
    ("pyspark.errors.exceptions.captured.AnalysisException: y", "AnalysisException"),
    ("boom", None),
]


@pytest.mark.parametrize(("text", "error_class"), REPORTED)
def test_the_class_of_a_reported_error(text: str, error_class: str | None) -> None:
    assert reported_error_class(text) == error_class
