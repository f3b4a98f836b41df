"""Run the gyomu command line and record every SQL statement it executes.

    python bench/trace_sql.py OUT.json [gyomu arguments...]

Used by run.py, untimed, to find the exact SQL (parameters bound) behind a
command, so that its EXPLAIN QUERY PLAN can be printed. It goes through the
same entry point as the installed `gyomu` command (gyomu_cli.cli:main) and
only watches: every sqlite3 connection opened gets a trace callback.
"""

import json
import sqlite3
import sys


def main() -> int:
    out, args = sys.argv[1], sys.argv[2:]
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*a, **k):
        conn = connect(*a, **k)
        conn.set_trace_callback(statements.append)
        return conn

    sqlite3.connect = traced
    from gyomu_cli.cli import main as gyomu_main

    sys.argv = ["gyomu", *args]
    code = 0
    try:
        gyomu_main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    with open(out, "w", encoding="utf-8") as data:
        json.dump({"exit": code, "statements": statements}, data)
    return code


if __name__ == "__main__":
    sys.exit(main())
