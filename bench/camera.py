"""gyomu benchmark: CPU per stream-minute of `gyomu capture` recording RTSP cameras.

Run from the repository root:

    .venv/bin/python bench/camera.py            # 1 and 8 streams, 60 s each run
    .venv/bin/python bench/camera.py --quick    # 1 and 2 streams, 20 s each run

One RTSP test server (plugins/camera_rtsp/gyomu_camera_rtsp/simulator.py, on Debian's /usr/bin/python3) is
started per stream, each on a port of its own on 127.0.0.1. For each number
of streams, `gyomu capture` records them for a fixed time into a fresh home;
then, on the same servers, one `ffmpeg -c copy -f segment` per stream records
them for the same time: the reference. CPU time (user + sys) of each recorder
comes from the kernel when it is reaped (wait4), and is divided by the
stream-minutes of that run. Nothing here asserts a figure; it only reports.
Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import av
except ImportError as missing:
    sys.exit(
        f"bench: {missing}; run with the project's venv: "
        ".venv/bin/python bench/camera.py (after scripts/setup)"
    )

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "plugins" / "camera_rtsp" / "gyomu_camera_rtsp" / "simulator.py"
SYSTEM_PYTHON = "/usr/bin/python3"
TICK = os.sysconf("SC_CLK_TCK")
MB = 1024  # ru_maxrss is in KiB on Linux


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def gyomu_binary() -> str:
    for candidate in (
        ROOT / ".venv" / "bin" / "gyomu",
        Path(sys.executable).with_name("gyomu"),
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gyomu")
    if not found:
        sys.exit("bench: no gyomu command; run scripts/setup first")
    return found


GYOMU = gyomu_binary()
BYTECODE_NOTE = ""


def child_env(tmp: Path) -> dict:
    """Every gyomu run's environment: no home or key from outside, byte-code kept."""
    global BYTECODE_NOTE
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GYOMU_HOME", "GYOMU_DEBUG", "GYOMU_MASTER_KEY", "SUDO_USER")
    }
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        BYTECODE_NOTE = " (PYTHONDONTWRITEBYTECODE dropped for it)"
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


# --------------------------------------------------------------------------- processes


@dataclass
class Usage:
    """What the kernel reported for one reaped process."""

    cpu: float  # user + system seconds
    rss_kb: int  # peak resident set
    code: int  # exit code (negative: killed by that signal)


def reap(proc: subprocess.Popen, deadline: float, sample=None) -> Usage:
    """Wait for a child and take its own rusage; past the deadline, end it.

    `sample`, when given, is called about five times a second meanwhile.
    """
    signals = [signal.SIGTERM, signal.SIGKILL]
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            return Usage(cpu, usage.ru_maxrss, proc.returncode)
        if time.monotonic() > deadline and signals:
            proc.send_signal(signals.pop(0))
            deadline = time.monotonic() + 10
        if sample is not None:
            sample()
        time.sleep(0.2 if sample else 0.05)


class Threads:
    """The CPU of each thread of a running process, last seen (/proc/PID/task).

    `start_up` is the main thread's CPU one second after the first other thread
    appeared: gyomu capture starts its timer and camera threads once it is set up,
    and its main thread then sleeps until the first segment is due.
    """

    def __init__(self, pid: int):
        self.pid = pid
        self.seen: dict[int, float] = {}
        self.threads_since: float | None = None
        self.start_up: float | None = None

    def sample(self) -> None:
        try:
            tasks = [int(t.name) for t in Path(f"/proc/{self.pid}/task").iterdir()]
        except OSError:
            return
        for tid in tasks:
            cpu = process_cpu(self.pid, tid)
            self.seen[tid] = max(cpu, self.seen.get(tid, 0.0))
        now = time.monotonic()
        if self.threads_since is None and len(tasks) > 1:
            self.threads_since = now
        if (
            self.start_up is None
            and self.threads_since
            and now - self.threads_since > 1
        ):
            self.start_up = self.seen.get(self.pid)

    def others(self) -> float:
        """CPU of every thread but the main one (the camera threads, a timer)."""
        return sum(cpu for tid, cpu in self.seen.items() if tid != self.pid)


def process_cpu(pid: int, thread: int | None = None) -> float:
    """utime + stime of a live process (all its threads), or of one of its threads."""
    stat = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    numbers = [
        int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ]
    idle = numbers[3] + numbers[4]  # idle and iowait
    return sum(numbers) - idle, sum(numbers)


class Server:
    """One plugins/camera_rtsp/gyomu_camera_rtsp/simulator.py: one stream on a port of its own."""

    def __init__(self, args: list[str], log: Path):
        with open(log, "wb") as errors:  # GStreamer's messages, if any
            self.proc = subprocess.Popen(
                [SYSTEM_PYTHON, str(SERVER), "--port", "0", *args],
                stdin=subprocess.PIPE,  # the server also ends when this closes
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline().strip() if ready else b""
        if not line.isdigit():
            self.stop()
            problem = log.read_text(errors="replace")[-1500:]
            raise SystemExit(f"bench: the RTSP test server did not start:\n{problem}")
        self.url = f"rtsp://127.0.0.1:{int(line)}/cam"

    def cpu(self) -> float:
        return process_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


# --------------------------------------------------------------------------- checks


def server_problem() -> str | None:
    check = "import gi; gi.require_version('GstRtspServer', '1.0')"
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", check], capture_output=True, check=False
        )
    except OSError as error:
        return f"{SYSTEM_PYTHON}: {error.strerror}"
    if done.returncode:
        return done.stderr.decode(errors="replace").strip().splitlines()[-1]
    return None


def find_ffmpeg() -> tuple[str | None, str]:
    """The ffmpeg command, installed from Debian's packages when missing and root."""
    found = shutil.which("ffmpeg")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        say("ffmpeg is missing: apt-get update; apt-get install ffmpeg")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for step in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "ffmpeg"],
        ):
            done = subprocess.run(step, stdout=sys.stderr, env=env, check=False)
            if done.returncode != 0:
                break
        found = shutil.which("ffmpeg")
    if found is None:
        return None, "missing (apt-get install ffmpeg, as root)"
    first = subprocess.run(
        [found, "-version"], capture_output=True, text=True, check=False
    ).stdout
    version = first.split("\n", 1)[0].split(" Copyright", 1)[0]
    return found, version


def machine(tmp: Path, cpus: list[int]) -> str:
    model, memory, fs = "?", "?", "?"
    try:
        model = re.search(
            r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()
        ).group(1)
        kb = int(
            re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
        )
        memory = f"{kb / 1024 / 1024:.0f} GiB"
        best = ""
        for line in Path("/proc/mounts").read_text().splitlines():
            _, point, kind, *_ = line.split()
            if str(tmp).startswith(point) and len(point) >= len(best):
                best, fs = point, kind
    except (OSError, AttributeError):
        pass
    return (
        f"{platform.node()}: {len(cpus)} of {os.cpu_count()} CPUs ({model.strip()}), "
        f"{memory} RAM, temp folder on {fs}\nLinux {platform.release()}, "
        f"Python {platform.python_version()}, PyAV {av.__version__}"
    )


# --------------------------------------------------------------------------- the runs


@dataclass
class Phase:
    """One recorder's run over some streams for a fixed time."""

    processes: int
    wall: float
    cpu: float
    rss_kb: int  # gyomu: its peak; ffmpeg: the peaks summed
    segments: int
    video_s: float  # seconds of video in the segments, all streams
    server_cpu: float  # the RTSP servers' CPU meanwhile
    busy: float  # share of the machine's CPU time that was busy meanwhile
    notes: list[str] = field(default_factory=list)
    threads_cpu: float | None = None  # gyomu: its threads but the main one
    start_up: float = 0.0  # gyomu: its main thread's CPU until recording began


class Watch:
    """CPU of the servers and of the whole machine over one phase."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.server_cpu = sum(s.cpu() for s in servers)
        self.ticks = machine_ticks()

    def done(self) -> tuple[float, float]:
        busy, total = machine_ticks()
        share = (busy - self.ticks[0]) / max(1, total - self.ticks[1])
        return sum(s.cpu() for s in self.servers) - self.server_cpu, share


def gyomu(home: Path, env: dict, *args: str) -> str:
    done = subprocess.run(
        [GYOMU, "--home", str(home), *args], capture_output=True, env=env, check=False
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace")[-2000:]
        raise SystemExit(
            f"bench: gyomu {' '.join(args[:3])} ... exited {done.returncode}:"
            f"\n{message}"
        )
    return done.stdout.decode(errors="replace")


def make_home(home: Path, env: dict, urls: list[str], segment: int) -> None:
    """A fresh home with one camera_rtsp device per stream."""
    gyomu(home, env, "init", "--admin", "a", "--name", "A", "--section", "S")
    where = ["--section", "S", "--location", "bench", "--purpose", "benchmark"]
    for number, url in enumerate(urls, start=1):
        backend = ["--backend", "camera_rtsp", "--option", f"url={url}"]
        backend += ["--option", f"segment={segment}"]
        gyomu(home, env, "device", "add", f"cam-{number:02d}", "--kind", "camera",
              *where, *backend)  # fmt: skip


def run_gyomu(home: Path, env: dict, servers: list[Server], seconds: int) -> Phase:
    errors = home.with_name(home.name + "-capture.err")
    watch = Watch(servers)
    began = time.monotonic()
    with open(errors, "wb") as err:
        proc = subprocess.Popen(
            [GYOMU, "--home", str(home), "capture", "--for", f"{seconds}s"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        threads = Threads(proc.pid)
        usage = reap(proc, began + seconds + 120, threads.sample)
    wall = time.monotonic() - began
    server_cpu, busy = watch.done()
    db = sqlite3.connect(f"file:{home / 'ledger.db'}?mode=ro", uri=True)
    try:
        count, video_s = db.execute(
            "SELECT count(*), coalesce(sum(duration), 0) FROM recordings"
            " WHERE kind='image'"
        ).fetchone()
    finally:
        db.close()
    notes = []
    text = errors.read_text(errors="replace")
    if usage.code != 0:
        notes.append(f"gyomu capture exited {usage.code}: {text.strip()[-300:]}")
    for word in ("Warning:", "Error:"):
        lines = [line for line in text.splitlines() if line.startswith(word)]
        if lines:
            notes.append(
                f"gyomu logged {len(lines)} {word[:-1]} line(s), e.g. {lines[0][:160]}"
            )
    phase = Phase(1, wall, usage.cpu, usage.rss_kb, count, video_s, server_cpu, busy)
    phase.notes, phase.threads_cpu = notes, threads.others()
    phase.start_up = threads.start_up or 0.0
    return phase


def run_ffmpeg(
    ffmpeg: str, out: Path, servers: list[Server], seconds: int, segment: int
) -> Phase:
    """One ffmpeg per stream, all at once; each stopped by SIGINT after `seconds`."""
    watch = Watch(servers)
    procs = []
    began = time.monotonic()
    for number, server in enumerate(servers, start=1):
        folder = out / f"cam-{number:02d}"
        folder.mkdir(parents=True)
        command = [
            ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "warning",
            "-rtsp_transport", "tcp", "-i", server.url, "-c", "copy",
            "-f", "segment", "-segment_time", str(segment), "-reset_timestamps", "1",
            str(folder / "out%03d.mp4"),
        ]  # fmt: skip
        with open(folder.with_suffix(".log"), "wb") as log:
            procs.append(
                subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )
    time.sleep(max(0.0, began + seconds - time.monotonic()))
    for proc in procs:
        proc.send_signal(signal.SIGINT)  # ffmpeg closes its segment and exits
    usages = [reap(proc, time.monotonic() + 30) for proc in procs]
    wall = time.monotonic() - began
    server_cpu, busy = watch.done()
    files = sorted(out.glob("cam-*/out*.mp4"))
    video_s = 0.0
    notes = []
    for path in files:
        try:
            with av.open(str(path)) as media:
                video = media.streams.video[0]
                if video.duration is not None:
                    video_s += float(video.duration * video.time_base)
                else:
                    video_s += (media.duration or 0) / av.time_base
        except av.error.FFmpegError as error:
            notes.append(f"{path.name} of {path.parent.name} unreadable: {error}")
    failed = [u.code for u in usages if u.code not in (0, 255)]
    if failed:
        notes.append(f"ffmpeg exit codes {failed}; see the logs under {out}")
    return Phase(
        len(procs),
        wall,
        sum(u.cpu for u in usages),
        sum(u.rss_kb for u in usages),
        len(files),
        video_s,
        server_cpu,
        busy,
        notes,
    )


@dataclass
class Result:
    streams: int
    seconds: int  # recording time of each recorder
    gyomu: Phase
    ffmpeg: Phase | None


def bench(
    tmp: Path,
    env: dict,
    servers: list[Server],
    seconds: int,
    segment: int,
    ffmpeg: str | None,
) -> Result:
    count = len(servers)
    run = Path(tempfile.mkdtemp(prefix=f"{count}-streams-", dir=tmp))
    home = run / "home"
    say(f"{count} stream(s): gyomu init, {count} camera(s) added")
    make_home(home, env, [s.url for s in servers], segment)
    say(f"{count} stream(s): gyomu capture --for {seconds}s")
    ours = run_gyomu(home, env, servers, seconds)
    reference = None
    if ffmpeg:
        say(f"{count} stream(s): {count} ffmpeg -c copy -f segment for {seconds} s")
        reference = run_ffmpeg(ffmpeg, run / "ffmpeg", servers, seconds, segment)
    return Result(count, seconds, ours, reference)


# --------------------------------------------------------------------------- the report


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    """Plain columns; the first `left` columns flush left, the others right."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join(
        [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    )


def per_minute(cpu: float, streams: int, seconds: int) -> float:
    return cpu / (streams * seconds / 60)


def summary(results: list[Result], seconds: int) -> str:
    headers = "streams|gyomu|ffmpeg|ratio|gyomu RSS MB|ffmpeg RSS MB|gyomu segments"
    rows = []
    for r in results:
        ours = per_minute(r.gyomu.cpu, r.streams, seconds)
        row = [str(r.streams), f"{ours:.2f}"]
        if r.ffmpeg:
            ref = per_minute(r.ffmpeg.cpu, r.streams, seconds)
            row += [f"{ref:.2f}", f"{ours / ref:.1f}x"]
        else:
            row += ["-", "-"]
        row.append(f"{r.gyomu.rss_kb / MB:.0f}")
        row.append(f"{r.ffmpeg.rss_kb / MB:.0f}" if r.ffmpeg else "-")
        row.append(str(r.gyomu.segments))
        rows.append(row)
    return table(headers.split("|"), rows)


def split(results: list[Result], seconds: int) -> str:
    """gyomu's CPU in parts: start-up, camera threads, the rest of the main thread."""
    headers = "streams|start-up|camera threads|main, rest|net|ratio net|ratio threads"
    rows = []
    for r in results:

        def minute(cpu: float, r=r) -> float:
            return per_minute(cpu, r.streams, seconds)

        threads = r.gyomu.threads_cpu or 0.0
        start_up = r.gyomu.start_up
        rest = r.gyomu.cpu - start_up - threads
        net = r.gyomu.cpu - start_up
        row = [str(r.streams), f"{minute(start_up):.2f}", f"{minute(threads):.2f}"]
        row += [f"{minute(rest):.2f}", f"{minute(net):.2f}"]
        if r.ffmpeg:
            row += [f"{net / r.ffmpeg.cpu:.1f}x", f"{threads / r.ffmpeg.cpu:.1f}x"]
        else:
            row += ["-", "-"]
        rows.append(row)
    return table(headers.split("|"), rows)


def details(results: list[Result], seconds: int) -> str:
    headers = "streams|recorder|procs|wall s|CPU s|video s|segments|servers|busy"
    rows = []
    for r in results:
        for name, phase in (("gyomu capture", r.gyomu), ("ffmpeg -c copy", r.ffmpeg)):
            if phase is None:
                continue
            servers = per_minute(phase.server_cpu, r.streams, seconds)
            rows.append([
                str(r.streams), name, str(phase.processes), f"{phase.wall:.1f}",
                f"{phase.cpu:.2f}", f"{phase.video_s:.1f}", str(phase.segments),
                f"{servers:.2f}", f"{100 * phase.busy:.0f}%",
            ])  # fmt: skip
    return table(headers.split("|"), rows, left=2)


HEADING = """\
gyomu camera benchmark, {args.started:%Y-%m-%d %H:%M} UTC, {mode} mode, \
{args.total:.0f} s in all
{about}
gyomu: {gyomu} ({commit})
  byte-code cached{bytecode}
reference: {ffmpeg}
streams: one plugins/camera_rtsp/gyomu_camera_rtsp/simulator.py each, {args.width}x{args.height} {args.fps} fps, \
H.264 {args.kbits} kbit/s,
  a keyframe every {args.key_int} frames, pattern {args.pattern}, {audio}; \
segments of {args.segment} s"""

EXPLAINED = """\
CPU seconds (user+sys) per stream-minute; stream-minutes = streams x {seconds} s.
gyomu: one `gyomu capture --for {seconds}s` (every device, a thread each); ffmpeg: one
process per stream, their CPU added up. RSS: gyomu's peak; for ffmpeg, each process's
peak added up. Segments: what gyomu's ledger holds afterwards (SELECT count(*) FROM
recordings WHERE kind='image').

{summary}

Where gyomu's CPU goes, per stream-minute, from /proc/PID/task sampled 5 times a
second. 'start-up': the main thread's CPU until recording began (interpreter,
imports, ledger, devices). 'camera threads': the other threads (connect, demux, copy
into segment files). 'main, rest': the main thread's remainder: registering each
segment (hash, probe, encrypt, store, verify, erase; ledger and audit) and exiting.
'net': all but start-up. The ratios divide by ffmpeg's figure.

{split}

Each run. 'video s': seconds of video in the segments, all streams (gyomu: its
ledger; ffmpeg: the files); 'servers': CPU of the RTSP servers per stream-minute
meanwhile (each encodes live for its client); 'busy': share of the machine's CPU
time in use meanwhile, by anything.

{details}"""


def report(args, results: list[Result], about: str, ffmpeg_version: str) -> str:
    audio = "no audio" if args.no_audio else "AAC 16 kHz mono"
    seconds = results[0].seconds if results else 0
    heading = HEADING.format(
        args=args,
        mode="quick" if args.quick else "default",
        about=about,
        gyomu=GYOMU,
        commit=commit(),
        bytecode=BYTECODE_NOTE,
        ffmpeg=ffmpeg_version,
        audio=audio,
    )
    explained = EXPLAINED.format(
        seconds=seconds,
        summary=indent(summary(results, seconds)),
        split=indent(split(results, seconds)),
        details=indent(details(results, seconds)),
    )
    lines = [heading, "", explained]
    for r in results:
        for phase in (r.gyomu, r.ffmpeg):
            notes = phase.notes if phase else []
            lines += [f"  note ({r.streams} streams): {note}" for note in notes]
    if ffmpeg_version.startswith("missing"):
        lines.append("  note: no reference: ffmpeg is missing (apt-get install ffmpeg)")
    return "\n".join(lines)


def commit() -> str:
    """The checked-out commit of the tree gyomu runs from, and whether it differs."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {head}, with local changes" if changed.strip() else f"commit {head}"


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(
        description="CPU per stream-minute of gyomu capture on RTSP cameras,"
        " beside ffmpeg."
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="1 and 2 streams, 20 s each")
    add("--streams", help="comma-separated stream counts (default 1,8; quick 1,2)")
    add("--seconds", type=int, help="recording time of each run (default 60, quick 20)")
    add("--segment", type=int, default=60, help="segment seconds, both recorders (60)")
    add("--width", type=int, default=640, help="picture width (640)")
    add("--height", type=int, default=360, help="picture height (360)")
    add("--fps", type=int, default=25, help="frames per second (25)")
    add("--key-int", type=int, default=50, help="frames between keyframes (50)")
    add("--kbits", type=int, default=2000, help="video bitrate in kbit/s (2000)")
    add("--pattern", default="smpte", help="videotestsrc pattern (smpte)")
    add("--no-audio", action="store_true", help="video only (default: with AAC)")
    add("--cpus", type=int, default=2, help="CPUs to use (2)")
    add("--tmp", type=Path, help="where to make the temporary folder")
    add("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    counts = [
        int(n) for n in (args.streams or ("1,2" if args.quick else "1,8")).split(",")
    ]
    seconds = args.seconds or (20 if args.quick else 60)
    server_args = [
        "--width", str(args.width), "--height", str(args.height),
        "--fps", str(args.fps), "--key-int", str(args.key_int),
        "--kbits", str(args.kbits),
        "--pattern", args.pattern, *(["--no-audio"] if args.no_audio else []),
    ]  # fmt: skip

    problem = server_problem()
    if problem:
        sys.exit(
            f"bench: {SYSTEM_PYTHON} cannot run the RTSP test server ({problem}); "
            "install its Debian packages with scripts/system-packages (as root)"
        )
    ffmpeg, ffmpeg_version = find_ffmpeg()
    if ffmpeg is None:
        say("ffmpeg is missing: the reference is left out")

    cpus = sorted(os.sched_getaffinity(0))[: args.cpus]
    os.sched_setaffinity(0, cpus)  # every child inherits it
    began = time.monotonic()
    args.started = dt.datetime.now(dt.UTC)
    tmp = Path(tempfile.mkdtemp(prefix="gyomu-camera-bench-", dir=args.tmp))
    servers: list[Server] = []
    results = []
    try:
        about = machine(tmp, cpus)
        env = child_env(tmp)
        say(f"working in {tmp}; starting {max(counts)} RTSP server(s)")
        for number in range(1, max(counts) + 1):
            servers.append(Server(server_args, tmp / f"server-{number:02d}.log"))
        for count in counts:
            servers_now = servers[:count]
            results.append(bench(tmp, env, servers_now, seconds, args.segment, ffmpeg))
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    args.total = time.monotonic() - began
    print()
    print(report(args, results, about, ffmpeg_version))


if __name__ == "__main__":
    main()
