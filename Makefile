# Two commands do all the set-up: `make demo` and `make test` (each creates .venv first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pyproject.toml declares ranges; constraints.txt pins the exact versions every install uses
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: setup browser demo test unit lint bench clean bench-scheduling bench-spark bench-overhead bench-scd2 bench-sql bench-1000 bench-wide bench-server bench-collectors

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.10+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[local,dev]"
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/medallion demo

# Debian's chromium, for the timeline's browser test and PNG/SVG export; set-up never fails for
# it: where apt-get or root is missing the browser test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 \
	|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	     && apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
	|| echo "chromium not installed (needs root and apt-get): the browser tests will be skipped"

# One worker per core, at most 4 (each is a JVM of 2 GB): a file's tests stay on one worker, so
# they share its module's fixtures as they do in one process. Files go out in the order collected,
# end-to-end first: xdist's own order, most tests first, left the longest files (one test each,
# 2-8 minutes) to the end, with the other worker idle.
PARALLEL ?= --numprocesses=auto --maxprocesses=4 --dist=loadfile --no-loadscope-reorder

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PARALLEL) --durations=10

unit: setup
	$(BIN)/pytest tests/unit

bench: bench-scheduling bench-overhead bench-spark

bench-scheduling: setup
	$(BIN)/python benchmarks/scheduling.py

bench-spark: setup
	$(BIN)/python benchmarks/local_spark.py

bench-overhead: setup
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/server_startup.py

# `medallion run` and `medallion sql` in a process of their own against a warm server.
bench-server: setup
	$(BIN)/python benchmarks/server_startup.py

# Loader test files in one process on the parallel collector and on G1, alternately.
bench-collectors: setup
	$(BIN)/python benchmarks/collectors.py

# Seconds per statement: a `medallion sql` process each against one process (sql -f, shell).
bench-sql: setup
	$(BIN)/python benchmarks/sql_loop.py

# 1,000 no-op notebook tasks through the real local engine: orchestration cost a task.
bench-1000: setup
	$(BIN)/python benchmarks/thousand_tasks.py

# SCD2 against mack's type_2_scd_upsert on 1,000,000 rows (ROWS=... for another size).
bench-scd2: setup
	$(BIN)/python benchmarks/scd2_vs_mack.py --rows $(or $(ROWS),1000000) --repeat $(or $(REPEAT),5)

# Our SCD2 at 20 columns against 700 (COLUMNS=...), 100,000 keys (ROWS=...).
bench-wide: setup
	$(BIN)/python benchmarks/scd2_vs_mack.py --columns $(or $(COLUMNS),700) --rows $(or $(ROWS),100000) --repeat $(or $(REPEAT),3)

clean:
	rm -rf $(VENV) .medallion
