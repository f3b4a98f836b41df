"""gyomu benchmarks: indexing calls and camera segments, and a large ledger.

Run from the repository root:

    .venv/bin/python bench/run.py            # a few minutes
    .venv/bin/python bench/run.py --quick    # under a minute

Each gyomu figure is printed beside a reference run in the same process on
the same data: sha256sum over the same media files, and a plain sqlite3
count(*) over the same ledger. Everything generated goes into one temporary
folder, removed at the end (keep it with --keep). Nothing here asserts a
time; it only reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000

try:
    import numpy  # noqa: F401
    import soundfile  # noqa: F401

    from gyomu_cli.home import Home
except ImportError as missing:
    sys.exit(f"bench: {missing}; run with the project's venv: .venv/bin/python bench/run.py (after scripts/setup)")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ledger_gen  # noqa: E402
import media_gen  # noqa: E402


# --------------------------------------------------------------------------- running and timing


def gyomu_binary() -> str:
    candidates = [ROOT / ".venv" / "bin" / "gyomu", Path(sys.executable).parent / "gyomu"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gyomu")
    if not found:
        sys.exit("bench: no gyomu command; run scripts/setup first")
    return found


GYOMU = gyomu_binary()


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    stdout: str = ""


def run(argv: list[str], *, stderr_to: Path | None = None, check: bool = True) -> Run:
    """Run one command, timing its wall clock and its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    err = open(stderr_to, "ab") if stderr_to else subprocess.PIPE
    try:
        began = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err, env=child_env())
        wall = time.perf_counter() - began
    finally:
        if stderr_to:
            err.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check and done.returncode != 0:
        message = done.stderr.decode(errors="replace") if done.stderr else f"(stderr in {stderr_to})"
        raise SystemExit(f"bench: {' '.join(argv[:6])} ... exited {done.returncode}:\n{message[-2000:]}")
    return Run(wall, cpu, done.stdout.decode("utf-8", errors="replace"))


def child_env() -> dict:
    env = dict(os.environ)
    env.pop("GYOMU_HOME", None)
    env.pop("GYOMU_DEBUG", None)
    env.pop("GYOMU_MASTER_KEY", None)  # each bench home makes its own key file beside it
    return env


def gyomu(home: Path, *args: str, **kwargs) -> Run:
    return run([GYOMU, "--home", str(home), *args], **kwargs)


def median_run(call, repeats: int) -> tuple[Run, list[float]]:
    """Repeat a read-only run; the run with the median wall time, and all wall times."""
    runs = [call() for _ in range(repeats)]
    runs.sort(key=lambda r: r.wall)
    return runs[len(runs) // 2], [r.wall for r in runs]


def in_process(call, repeats: int) -> float:
    """Median seconds of a call made inside this process."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


DONT_WRITE_NOTE = ""


def bytecode_cache(tmp: Path) -> None:
    """Let gyomu's children keep compiled byte-code, as an installed gyomu does, without writing into the repository.

    Some environments set PYTHONDONTWRITEBYTECODE, which makes every gyomu command
    compile its modules again (about 0.15 s of start-up here); the cache goes
    under the temporary folder instead.
    """
    global DONT_WRITE_NOTE
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        DONT_WRITE_NOTE = "; this environment's PYTHONDONTWRITEBYTECODE was dropped for it"
    os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")


def settle() -> None:
    """Write generated data out to disk before timing, so that its write-back does not land in a timed run."""
    os.sync()
    time.sleep(1.0)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the machine


def limit_cpus(count: int) -> list[int]:
    """Pin this process (and so every child) to `count` CPUs."""
    available = sorted(os.sched_getaffinity(0))
    chosen = available[:count]
    os.sched_setaffinity(0, chosen)
    return chosen


def machine(tmp: Path, cpus: list[int]) -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    fs = "?"
    try:
        best = ""
        for line in Path("/proc/mounts").read_text().splitlines():
            _, point, kind, *_ = line.split()
            if str(tmp).startswith(point) and len(point) >= len(best):
                best, fs = point, kind
    except OSError:
        pass
    return (
        f"{platform.node()}: {len(cpus)} of {os.cpu_count()} CPUs ({model}), {memory} RAM, "
        f"temp folder on {fs}; Linux {platform.release()}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


# --------------------------------------------------------------------------- indexing


@dataclass
class Floor:
    """What a gyomu command costs before its own work, on one home.

    version: `gyomu --version` (interpreter and imports).
    command: `gyomu section list --json` on the same home: a whole command
    round trip (option parsing, opening the ledger, who acts, permissions)
    whose own query is trivial. 'minus start-up' figures subtract this.
    """

    version: Run
    version_spread: str
    command: Run
    command_spread: str

    @property
    def wall(self) -> float:
        return self.command.wall


def measure_floor(tmp: Path, repeats: int) -> Floor:
    """Measured once, on a small home of its own, and subtracted in every part."""
    home = tmp / "floor-home"
    say("start-up floor: gyomu --version, gyomu section list")
    new_home(home)  # also fills the byte-code cache
    version, walls = median_run(lambda: run([GYOMU, "--version"]), max(3, repeats))
    command, command_walls = median_run(lambda: gyomu(home, "section", "list", "--json"), max(3, repeats))
    return Floor(version, _spread(walls), command, _spread(command_walls))


@dataclass
class IndexResult:
    title: str
    files: int
    bytes: int
    generate_s: float
    gyomu: Run
    reference: Run
    reference_spread: str
    stored_bytes: int
    floor: Floor
    notes: list[str] = field(default_factory=list)


def new_home(home: Path) -> None:
    gyomu(home, "init", "--admin", "bench", "--name", "Bench Runner", "--section", "資産経営課")
    gyomu(home, "section", "add", "市民課")


def _call_job(job: tuple[str, float, int]) -> int:
    path, seconds, seed = job
    return media_gen.write_call(Path(path), seconds, seed)


def _segment_job(job: tuple[str, int, int, str]) -> int:
    path, seconds, seed, start = job
    return media_gen.write_segment(Path(path), seconds, seed, dt.datetime.fromisoformat(start), threads=1)


def generate(job_fn, jobs: list, workers: int) -> tuple[int, float]:
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        total = sum(pool.map(job_fn, jobs, chunksize=1))
    return total, time.perf_counter() - began


def stored_bytes(home: Path) -> int:
    conn = sqlite3.connect(f"file:{home / 'ledger.db'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT coalesce(sum(size), 0) FROM recordings").fetchone()[0]
    finally:
        conn.close()


def index_and_compare(title: str, home: Path, data: Path, names: list[str], manifest_rows: list[str], header: str,
                      size: int, gen_s: float, floor: Floor, repeats: int) -> IndexResult:
    manifest = data / "manifest.csv"
    manifest.write_text(header + "\n" + "\n".join(manifest_rows) + "\n", encoding="utf-8")
    paths = [str(data / name) for name in names]
    settle()
    run(["sha256sum", *paths])  # untimed: the files are in the page cache for both runs
    say(f"{title}: gyomu index over {len(names)} files")
    errors = data.parent / f"{home.name}-index.err"
    timed = gyomu(home, "index", "--manifest", str(manifest), "--json", stderr_to=errors, check=False)
    try:
        report = json.loads(timed.stdout)
    except ValueError:
        raise SystemExit(f"bench: gyomu index printed no JSON report:\n{errors.read_text(errors='replace')[-2000:]}") from None
    notes = []
    if report["failed"] or len(report["indexed"]) != len(names):
        notes.append(f"gyomu indexed {len(report['indexed'])} of {len(names)}; failed: {report['failed'][:3]}")
    if not all(entry["new"] for entry in report["indexed"]):
        notes.append("some files were found already indexed (duplicate content)")
    say(f"{title}: sha256sum over the same files")
    reference, walls = median_run(lambda: run(["sha256sum", *paths]), repeats)
    return IndexResult(title, len(names), size, gen_s, timed, reference, _spread(walls), stored_bytes(home), floor, notes)


def bench_calls(tmp: Path, count: int, seconds: float, workers: int, floor: Floor, repeats: int) -> IndexResult:
    home, data = tmp / "calls-home", tmp / "calls"
    data.mkdir()
    new_home(home)
    gyomu(home, "device", "add", "line-main", "--kind", "phone-line", "--section", "市民課",
          "--location", "本庁舎1階 市民課", "--purpose", "通話内容の確認")
    say(f"calls: generating {count} WAV files of ~{seconds:.0f} s (8 kHz, 16-bit mono)")
    jobs = [(str(data / f"call-{i:05d}.wav"), seconds + (i % 21) - 10, 1000 + i) for i in range(count)]
    size, gen_s = generate(_call_job, jobs, workers)
    first = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    rows = []
    for i, (path, _, _) in enumerate(jobs):
        started = first + dt.timedelta(minutes=4 * i)
        rows.append(f"{Path(path).name},line-main,{started.isoformat()},090{12340000 + i:08d},0586281234")
    return index_and_compare(
        f"Calls: {count} WAV files, 8 kHz 16-bit mono, ~{seconds:.0f} s each",
        home, data, [Path(j[0]).name for j in jobs], rows, "file,device,started_at,caller,callee", size, gen_s,
        floor, repeats,
    )


def bench_segments(tmp: Path, count: int, seconds: int, workers: int, floor: Floor, repeats: int) -> IndexResult:
    home, data = tmp / "camera-home", tmp / "camera"
    data.mkdir()
    new_home(home)
    gyomu(home, "device", "add", "cam-1f", "--kind", "camera", "--section", "市民課",
          "--location", "本庁舎1階 窓口", "--purpose", "防犯")
    say(f"camera: generating {count} H.264 segments of {seconds} s (640x360, 25 fps, ultrafast)")
    first = dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.timezone.utc)
    jobs = [
        (str(data / f"seg-{i:05d}.mp4"), seconds, 5000 + i, (first + dt.timedelta(seconds=seconds * i)).isoformat())
        for i in range(count)
    ]
    size, gen_s = generate(_segment_job, jobs, workers)
    rows = [f"{Path(j[0]).name},cam-1f,{j[3]},," for j in jobs]
    return index_and_compare(
        f"Camera: {count} H.264 MP4 segments, 640x360 25 fps, {seconds} s each",
        home, data, [Path(j[0]).name for j in jobs], rows, "file,device,started_at,caller,callee", size, gen_s,
        floor, repeats,
    )


# --------------------------------------------------------------------------- the ledger at scale


@dataclass
class Timed:
    what: str
    result: str
    wall: float | None
    cpu: float | None
    spread: str = ""
    net: float | None = None  # wall minus the CLI start-up floor
    sqlite_ms: float | None = None  # the command's SELECTs (or the reference) run by sqlite3 in this process
    statements: int | None = None


@dataclass
class LedgerResult:
    built: ledger_gen.Built
    timings: list[Timed]
    plans: list[tuple[str, list[tuple[int, int, str]], str]]
    notes: list[str]


def plan_of(conn: sqlite3.Connection, sql: str) -> list[tuple[int, int, str]]:
    return [(row[0], row[1], row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]


def scan_verdict(plan: list[tuple[int, int, str]]) -> str:
    scans = [detail for _, _, detail in plan if detail.startswith("SCAN ")]
    if not scans:
        return "no SCAN step: recordings is reached through index SEARCHes only"
    table = [s for s in scans if "INDEX" not in s]
    if table:
        return "FULL TABLE SCAN: " + "; ".join(table)
    return "full index scan: " + "; ".join(scans)


def traced(home: Path, tmp: Path, args: list[str]) -> list[str]:
    """Every SQL statement a gyomu command runs (parameters bound), from an untimed run under trace_sql.py."""
    out = tmp / "trace.json"
    run([sys.executable, str(Path(__file__).with_name("trace_sql.py")), str(out), "--home", str(home), *args],
        stderr_to=tmp / "trace.err")
    return json.loads(out.read_text(encoding="utf-8"))["statements"]


def reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def run_reads(conn: sqlite3.Connection, statements: list[str]) -> None:
    for sql in statements:
        conn.execute(sql).fetchall()


def bench_ledger(tmp: Path, rows: int, floor: Floor, repeats: int) -> LedgerResult:
    home = tmp / "ledger-home"
    say("ledger: gyomu init, sections and devices")
    gyomu(home, "init", "--admin", "bench", "--name", "Bench Runner", "--section", "資産経営課")
    sections = ["市民課", "資産経営課"]  # the second made by init
    gyomu(home, "section", "add", sections[0])
    for i in range(4):
        gyomu(home, "device", "add", f"line-{i + 1:02d}", "--kind", "phone-line", "--section", sections[i % 2],
              "--location", "本庁舎", "--purpose", "通話内容の確認")
    for i in range(2):
        gyomu(home, "device", "add", f"cam-{i + 1:02d}", "--kind", "camera", "--section", sections[0],
              "--location", f"本庁舎{i + 1}階 窓口", "--purpose", "防犯")
    settings = Home(home).settings
    tz, months = settings.tz, dict(settings.retention_months)

    say(f"ledger: inserting {rows:,} recordings with sqlite3 executemany")
    now = dt.datetime.now(dt.timezone.utc)
    built = ledger_gen.build(home / "ledger.db", rows, now, tz, months)
    say(f"ledger: built in {built.seconds:.1f} s, {built.file_bytes / MB:,.0f} MB, {built.due:,} due")
    settle()

    since = (now - dt.timedelta(days=30)).astimezone(tz).date().isoformat()
    dry_run = ["purge", "--dry-run", "--json"]
    # (label, arguments, the statement whose plan is shown, or None)
    commands = [
        (f"recordings list --number <citizen> ({built.rare_number_rows} calls)",
         ["recordings", "list", "--number", built.rare_number, "--json"], "recordings list --number"),
        (f"recordings list --number <office line> ({built.busy_number_rows:,} calls)",
         ["recordings", "list", "--number", built.busy_number, "--json"], None),
        (f"recordings list --device {built.device} --since {since} --limit 100",
         ["recordings", "list", "--device", built.device, "--since", since, "--limit", "100", "--json"],
         "recordings list --device --since"),
        ("purge --dry-run --json", dry_run, "purge selection (gyomu purge)"),
    ]
    timings: list[Timed] = []
    plans, notes = [], []
    errors = tmp / "ledger.err"

    timings.append(Timed("gyomu --version (interpreter, imports)", "-", floor.version.wall, floor.version.cpu, floor.version_spread))
    timings.append(Timed("gyomu section list --json (start-up floor)",
                         f"{len(json.loads(floor.command.stdout))} rows (own home)", floor.command.wall, floor.command.cpu,
                         floor.command_spread))

    conn = sqlite3.connect(f"file:{home / 'ledger.db'}?mode=ro", uri=True)
    try:
        for what, args, plan_title in commands:
            say(f"ledger: {what}")
            best, walls = median_run(lambda args=args: gyomu(home, *args, stderr_to=errors), repeats)
            out = json.loads(best.stdout)
            result = f"{out['erased']:,} to erase, {out['kept']} kept" if isinstance(out, dict) else f"{len(out)} rows"
            # The same command's SELECTs, re-run by plain sqlite3 here: what the database itself costs.
            statements = reads(traced(home, tmp, args))
            sql_ms = in_process(lambda s=statements: run_reads(conn, s), repeats) * 1000 if statements else None
            timings.append(Timed(what, result, best.wall, best.cpu, _spread(walls), best.wall - floor.wall, sql_ms,
                                 len(statements)))
            if plan_title:
                main = [s for s in statements if "FROM recordings r" in s and ("retain_until <=" in s) == (args is dry_run)]
                if not main:
                    notes.append(f"could not find the SQL of {plan_title} in a traced run")
                    continue
                plan = plan_of(conn, main[0])
                plans.append((plan_title, plan, scan_verdict(plan)))
    finally:
        conn.close()

    say("ledger: purge --json (the real erasure)")
    errors.write_text("")
    real = gyomu(home, "purge", "--json", stderr_to=errors)
    done = json.loads(real.stdout)
    timings.append(Timed("purge --json (erases the due rows)", f"{done['erased']:,} erased, {done['kept']} kept",
                         real.wall, real.cpu, "", real.wall - floor.wall))
    if done["failed"]:
        notes.append(f"purge reported {done['failed']} failures")
    warnings = sum(1 for line in errors.read_text(errors="replace").splitlines() if "already gone" in line)
    notes.append(f"purge logged {warnings:,} 'already gone' warnings on stderr (this ledger's storage keys name no objects)")
    again = gyomu(home, "purge", "--json", stderr_to=errors)
    left = json.loads(again.stdout)
    timings.append(Timed("purge --json again (nothing left to erase)", f"{left['erased']} erased, {left['kept']} kept",
                         again.wall, again.cpu, "", again.wall - floor.wall))

    # The reference: plain sqlite3 in this process, a full scan of the same table.
    conn = sqlite3.connect(f"file:{home / 'ledger.db'}?mode=ro", uri=True)
    try:
        for what, sql in (
            ("reference: sqlite3 SELECT count(*) FROM recordings", "SELECT count(*) FROM recordings"),
            ("reference: the same, NOT INDEXED (table scan)", "SELECT count(*) FROM recordings NOT INDEXED"),
        ):
            counted = conn.execute(sql).fetchone()[0]
            seconds = in_process(lambda sql=sql: conn.execute(sql).fetchone(), repeats)
            timings.append(Timed(what, f"{counted:,} rows", None, None, "", None, seconds * 1000, 1))
            plan = plan_of(conn, sql)
            plans.append((what.removeprefix("reference: "), plan, scan_verdict(plan)))
    finally:
        conn.close()
    return LedgerResult(built, timings, plans, notes)


def _spread(walls: list[float]) -> str:
    return f"{min(walls):.2f}-{max(walls):.2f}" if len(walls) > 1 else ""


# --------------------------------------------------------------------------- the report


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) if rows else len(headers[i]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def report_indexing(result: IndexResult) -> str:
    size_mb = result.bytes / MB
    g, r, floor = result.gyomu, result.reference, result.floor.wall
    rows = [
        [f"gyomu index --manifest ({result.files} files, 1 run)", f"{g.wall:.2f}", f"{g.cpu:.2f}", "",
         _net(g.wall - floor, ""), f"{result.files / g.wall:,.1f}", f"{size_mb / g.wall:,.1f}"],
        ["sha256sum (reference)", f"{r.wall:.2f}", f"{r.cpu:.2f}", result.reference_spread,
         "", f"{result.files / r.wall:,.1f}", f"{size_mb / r.wall:,.1f}"],
        ["ratio gyomu / sha256sum (wall time)", f"{g.wall / r.wall:.1f}x", "", "",
         f"{(g.wall - floor) / r.wall:.1f}x" if g.wall - floor > 0.02 else "", "", ""],
    ]
    net = g.wall - floor
    per_file = f"{1000 * net / result.files:,.0f} ms per file after start-up" if net > 0.02 else "within start-up jitter"
    lines = [
        result.title,
        f"  input {size_mb:,.1f} MB, generated in {result.generate_s:.1f} s; gyomu stored {result.stored_bytes / MB:,.1f} MB "
        f"({100 * result.stored_bytes / result.bytes:.0f}% of input); {per_file}",
        f"  start-up floor: {floor:.3f} s (gyomu section list; gyomu --version {result.floor.version.wall:.3f} s)",
        "",
        _indent(table(["what", "wall s", "cpu s", "spread s", "minus start-up s", "files/s", "MB/s"], rows, {1, 2, 3, 4, 5, 6})),
    ]
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def report_ledger(result: LedgerResult, repeats: int) -> str:
    b = result.built
    rows = []
    for t in result.timings:
        rows.append([
            t.what,
            t.result,
            f"{t.wall:.3f}" if t.wall is not None else "",
            f"{t.cpu:.2f}" if t.cpu is not None else "",
            t.spread,
            _net(t.net, t.spread),
            (f"{t.sqlite_ms:,.1f}" + (f" ({t.statements})" if t.statements and t.statements > 1 else ""))
            if t.sqlite_ms is not None else "",
        ])
    lines = [
        f"Ledger: {b.rows:,} recordings ({b.calls:,} calls, {b.images:,} camera segments), "
        f"{b.due:,} due ({100 * b.due / b.rows:.2f}%, {b.held} of them held), ledger.db {b.file_bytes / MB:,.0f} MB, "
        f"inserted in {b.seconds:.1f} s",
        f"  Read-only CLI runs: median of {repeats} ('spread': fastest-slowest). Each purge runs once.",
        "  'sqlite3 ms': the SELECT statements the command ran (count in brackets), captured from a traced run and",
        "  re-run by plain sqlite3 in this process: what the database part costs. References: the query itself.",
        "",
        _indent(table(["what", "result", "wall s", "cpu s", "spread s", "minus start-up s", "sqlite3 ms"],
                      rows, {2, 3, 4, 5, 6})),
    ]
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def report_plans(result: LedgerResult) -> str:
    out = ["Query plans (EXPLAIN QUERY PLAN of the SQL gyomu ran, parameters bound)"]
    for title, plan, verdict in result.plans:
        out.append(f"  {title}:")
        depth = {0: 0}
        for node, parent, detail in plan:
            depth[node] = depth.get(parent, 0) + 1
            out.append("    " + "  " * (depth[node] - 1) + detail)
        out.append(f"    => {verdict}")
    return "\n".join(out)


def _net(net: float | None, spread: str) -> str:
    """Wall minus start-up; within the start-up's own jitter it is shown as ~0."""
    if net is None:
        return ""
    return f"{net:.3f}" if net > 0.02 else "~0"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark gyomu index, recordings list and purge against references.")
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--calls", type=int, help="WAV files to index (default 200, quick 20)")
    parser.add_argument("--call-seconds", type=float, default=180.0, help="length of each call (default 180)")
    parser.add_argument("--segments", type=int, help="camera segments to index (default 6, quick 2)")
    parser.add_argument("--segment-seconds", type=int, default=60, help="length of each segment (default 60)")
    parser.add_argument("--rows", type=int, help="recordings in the large ledger (default 1,000,000, quick 100,000)")
    parser.add_argument("--repeats", type=int, help="runs of each read-only command; the median is shown (default 5, quick 3)")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs to use (default 2)")
    parser.add_argument("--tmp", type=Path, help="where to make the temporary folder (default: the system's)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()
    calls = args.calls if args.calls is not None else (20 if args.quick else 200)
    segments = args.segments if args.segments is not None else (2 if args.quick else 6)
    rows = args.rows if args.rows is not None else (100_000 if args.quick else 1_000_000)
    if shutil.which("sha256sum") is None:
        sys.exit("bench: sha256sum (coreutils) is needed for the reference runs")

    cpus = limit_cpus(args.cpus)
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="gyomu-bench-", dir=args.tmp))
    started = dt.datetime.now(dt.timezone.utc)
    try:
        about = machine(tmp, cpus)
        say(f"working in {tmp}")
        repeats = max(1, args.repeats if args.repeats is not None else (3 if args.quick else 5))
        bytecode_cache(tmp)
        floor = measure_floor(tmp, repeats)
        call_result = bench_calls(tmp, calls, args.call_seconds, len(cpus), floor, repeats) if calls else None
        camera_result = bench_segments(tmp, segments, args.segment_seconds, len(cpus), floor, repeats) if segments else None
        ledger_result = bench_ledger(tmp, rows, floor, repeats) if rows else None
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - began

    mode = "quick" if args.quick else "default"
    print()
    print(f"gyomu benchmark, {started:%Y-%m-%d %H:%M} UTC, {mode} mode, {total:.0f} s in all")
    print(about)
    print(f"gyomu: {GYOMU}")
    print("Each gyomu figure is one run of the command line, timed from outside (wall) with its CPU time (user+sys);")
    print(f"'minus start-up' subtracts {floor.wall:.3f} s, the median of `gyomu section list --json` on a small home: a whole")
    print("command round trip (interpreter, imports, option parsing, ledger open, identity, permissions), trivial query.")
    print("References (sha256sum; sqlite3 in this process) run on the same files, median of the repeats.")
    print(f"gyomu ran with its byte-code cached in the temporary folder (PYTHONPYCACHEPREFIX){DONT_WRITE_NOTE}.")
    print()
    if ledger_result:
        print(report_plans(ledger_result))
        print()
    print("=" * 100)
    for result in (call_result, camera_result):
        if result:
            print(report_indexing(result))
            print()
    if ledger_result:
        print(report_ledger(ledger_result, repeats))
    print("=" * 100)


if __name__ == "__main__":
    main()
