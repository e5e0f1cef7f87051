"""A local server that keeps one warm JVM for a home: `medallion server start`.

Commands on that home then run in it, as notebooks run on a Databricks cluster that is already up:
no JVM to start, Delta's code already compiled. Each command gets its own SparkSession (its
`USE` and settings stay its own), its own working folder, environment, output and exit code;
Ctrl-C and SIGTERM stop its run as they do in a process of its own.
"""
