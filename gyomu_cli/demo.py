"""`gyomu demo`: one day at city hall, played through the real commands.

It sets up a home, lets a stand-in PBX write the CDR rows and MixMonitor
files Asterisk would write (the Asterisk backend reads them exactly as in
production), indexes generated camera segments, then walks a dispute through
request, opinion, grant and viewing, an emergency disclosure whose document
arrives later, a purge, the yearly report and an audit check. Every step is a
`gyomu` command run as a person would type it, and is printed as such.

The camera is live when this machine can serve an RTSP stream (the camera
plugin's GStreamer stand-in), else a generated stream file stands in. With
--days the PBX has a longer history; with --keep-running capture goes on as
the service would, the PBX placing a call now and then, until Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from gyomu_cli import demo_camera
from gyomu_cli.errors import ConfigError, GyomuError, UsageError
from gyomu_cli.i18n import _

PASSWORD = "demo-password"
JST = dt.timezone(dt.timedelta(hours=9))


class Step:
    """Runs `gyomu --home HOME ...` and shows it like a terminal would."""

    def __init__(self, home: Path, say):
        self.home = home
        self.say = say

    def command(self, *args, password: bool = False) -> list[str]:
        base = [sys.executable, "-m", "gyomu_cli", "--home", str(self.home)]
        return base + (["--password-stdin", *map(str, args)] if password else list(map(str, args)))

    @staticmethod
    def environment() -> dict:
        return {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "GYOMU_HOME")}

    def __call__(self, *args, password: bool = False, show: bool = True) -> str:
        shown = "gyomu " + " ".join(shlex.quote(str(a)) for a in args)
        self.say(f"$ {shown}" + (_("    # password asked") if password else ""))
        done = subprocess.run(self.command(*args, password=password), input=f"{PASSWORD}\n" if password else None,
                              capture_output=True, text=True, env=self.environment())
        if done.returncode != 0:
            raise GyomuError(_("the demo stopped at `{command}`: {error}").format(command=shown, error=done.stderr.strip()))
        if show and done.stdout.strip():
            lines = done.stdout.strip().splitlines()
            for line in lines[:12]:
                self.say(f"  {line}")
            if len(lines) > 12:
                self.say(_("  ... and {count} more lines").format(count=len(lines) - 12))
        return done.stdout


def run(home: Path, say=print, days: int = 1, keep_running: bool = False) -> Path:
    try:
        from gyomu_pbx_asterisk.simulator import Pbx
    except ImportError:
        raise ConfigError(_("the demo needs the Asterisk backend (gyomu-pbx-asterisk); run scripts/setup")) from None
    if not 1 <= days <= 3660:
        raise UsageError(_("--days is from 1 to 3660, not {days}").format(days=days))
    home = home.absolute()
    if home.exists() and any(home.iterdir()):
        raise GyomuError(_("{home} is not empty; the demo plays into a new folder (give --home)").format(home=home))
    me = getpass.getuser()
    gyomu = Step(home, say)
    pbx_root = home.with_name(home.name + "-pbx")
    work = home.with_name(home.name + "-work")
    work.mkdir(parents=True, exist_ok=True)
    camera, why_not = demo_camera.start()
    try:
        report = _play(gyomu, Pbx(pbx_root), work, me, days, camera, why_not)
        if keep_running:
            _keep_running(gyomu, Pbx(pbx_root))
    finally:
        if camera is not None:
            camera.stop()
    return report


def _play(gyomu: Step, pbx, work: Path, me: str, days: int, camera, why_not: str) -> Path:
    say = gyomu.say
    say(f"$ export GYOMU_HOME={shlex.quote(str(gyomu.home))}")
    say(_("# You ({login}) are the administrator; every password asked below is {password!r}.").format(login=me, password=PASSWORD))
    say(_("# 1. The home, its administrator, sections and people (Art. 5)"))
    gyomu("init", "--admin", me, "--name", "佐藤 一郎", "--section", "資産経営課")
    gyomu("user", "passwd", me, password=True)
    for section in ("市民課", "税務課"):
        gyomu("section", "add", section)
    gyomu("user", "add", "tanaka", "--name", "田中 花子", "--section", "市民課", "--role", "section-head", password=True)
    gyomu("user", "add", "yamada", "--name", "山田 太郎", "--section", "税務課", "--role", "section-head", password=True)
    gyomu("user", "add", "suzuki", "--name", "鈴木 次郎", "--section", "資産経営課", "--role", "operator", password=True)

    say(_("# 2. The PBX writes its CDR and recordings; gyomu takes the external calls (Art. 2)"))
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    extensions = work / "extensions.csv"
    extensions.write_text("extension,section\n201,市民課\n202,市民課\n203,税務課\n")
    gyomu("device", "add", "pbx-main", "--kind", "phone-line", "--backend", "pbx_asterisk", "--section", "資産経営課",
          "--location", "本庁舎 電話交換機", "--purpose", "通話内容の確認のため",
          "--option", f"cdr={pbx.cdr}", "--option", f"spool={pbx.spool}", "--option", "timezone=UTC",
          "--option", "trunks=ntt-trunk", "--option", f"extensions={extensions}", "--option", "settle=0")
    if days > 1:
        say(_("# ... with {days} days of history: two outside calls on every weekday").format(days=days))
        _history(pbx, now, days)
    dispute = pbx.inbound(now - dt.timedelta(hours=3), caller="0586281234", ext="201", talk=20)
    pbx.inbound(now - dt.timedelta(hours=2), caller="0312345678", ext="202", talk=8)
    pbx.outbound(now - dt.timedelta(hours=1), ext="203", number="09012345678", talk=6)
    pbx.internal(now - dt.timedelta(minutes=50))
    pbx.inbound(now - dt.timedelta(minutes=40), caller="0529998888", answered=False, record="empty")
    pbx.inbound(now - dt.timedelta(days=400), caller="0561112222", ext="201", talk=5)  # older than a year
    gyomu("capture", "--once", "--json", show=False)
    gyomu("recordings", "list", "--kind", "call", "--limit", "8")

    say(_("# 3. The counter camera (Art. 4: a sign at the counter; images kept 3 months)"))
    if camera is not None:
        say(_("# A live RTSP stream stands in for the camera: {url}").format(url=camera.url))
        gyomu("device", "add", "cam-1f-counter", "--kind", "camera", "--section", "市民課",
              "--location", "本庁舎1階 市民課窓口", "--purpose", "窓口対応の記録のため",
              "--backend", "camera_rtsp", "--option", f"url={camera.url}", "--option", "segment=5")
        gyomu("capture", "--device", "cam-1f-counter", "--for", "12s")
    else:
        say(_("# No live camera stream here: {why}; a generated stream file stands in").format(why=why_not))
        gyomu("device", "add", "cam-1f-counter", "--kind", "camera", "--section", "市民課",
              "--location", "本庁舎1階 市民課窓口", "--purpose", "窓口対応の記録のため")
        gyomu("index", _segment(work / "seg-today.mp4"), "--device", "cam-1f-counter",
              "--started-at", (now - dt.timedelta(hours=3)).isoformat(), "--erase-source")
    say(_("# ... and a segment from 100 days ago, past the 3 months images are kept"))
    gyomu("index", _segment(work / "seg-old.mp4", shift=97), "--device", "cam-1f-counter",
          "--started-at", (now - dt.timedelta(days=100)).isoformat(), "--erase-source")
    gyomu("recordings", "list", "--kind", "image")

    say(_("# 4. A dispute: the section head asks in writing, the administrator grants, she views (Art. 7, 8)"))
    form = work / "視聴請求書-demo.pdf"
    form.write_bytes("%PDF-1.4\n% 視聴請求書 (demo)\n".encode())
    call = _call_id(gyomu, "0586281234")
    start = dispute.start.astimezone(JST)
    window = (start + dt.timedelta(seconds=2)).strftime("%H:%M:%S"), (start + dt.timedelta(seconds=12)).strftime("%H:%M:%S")
    gyomu("request", "new", "--requester", "tanaka", "--purpose", "dispute", "--recording", call,
          "--from", window[0], "--to", window[1], "--document", form, "--reason", "窓口での説明内容について申出あり")
    gyomu("grant", "1", password=True)
    gyomu("view", "1", "--viewer", "tanaka", "--output", work / "viewing", password=True)
    gyomu("request", "close", "1")
    say(_("# ... another section's head asks about the same call: the responsible head's opinion comes first (Art. 8-3)"))
    gyomu("request", "new", "--requester", "yamada", "--purpose", "dispute", "--recording", call,
          "--from", window[0], "--to", window[1], "--document", form, "--reason", "税務課の説明も申出の対象のため")
    gyomu("request", "opinion", "2", "--by", "tanaka", "--agree", "--document", form)
    gyomu("grant", "2", password=True)
    gyomu("view", "2", "--viewer", "yamada", "--output", work / "viewing-2", password=True)
    gyomu("request", "close", "2")
    say(_("# ... and a request the administrator does not find necessary is denied, with its reason (Art. 8-3)"))
    gyomu("request", "new", "--requester", "yamada", "--purpose", "business", "--recording", call,
          "--document", form, "--reason", "税務相談の経緯確認")
    gyomu("request", "opinion", "3", "--by", "tanaka", "--disagree", "--document", form)
    gyomu("deny", "3", "--reason", "業務上特に必要とは認められないため", password=True)

    say(_("# 5. An emergency provision whose written request arrives later (Art. 9 (5), 11-2)"))
    gyomu("disclose", "new", "--basis", "emergency", "--decided-by", "市長室", "--recipient", "一宮警察署",
          "--document-pending", "--item", f"{call}@{window[0]}-{window[1]}:caller",
          "--output", work / "提供" / "demo-001", password=True)
    gyomu("disclose", "document", "1", form, password=True)

    say(_("# 6. Retention: what is past its time is erased by overwriting (Art. 6-2)"))
    gyomu("purge", "--list")

    say(_("# 7. The yearly report and the audit chain (Art. 13, 14)"))
    report = work / "運用状況.html"
    year = now.astimezone(JST).year - (1 if now.astimezone(JST).month < 4 else 0)
    gyomu("report", "annual", "--fiscal-year", year, "--format", "html", "--lang", "ja", "--output", report)
    gyomu("report", "notice", "--format", "html", "--lang", "ja", "--output", work / "設置公表.html")
    gyomu("audit", "verify")
    gyomu("verify", "--deep")
    say(_("# Done. The yearly report: {path}").format(path=report))
    _show(report)
    return report


def _history(pbx, now: dt.datetime, days: int) -> None:
    """Two outside calls (one in, one out) on every weekday of the past `days` days, at office hours."""
    today = now.astimezone(JST).date()
    for back in range(1, days):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        morning = dt.datetime.combine(day, dt.time(10, 0), JST) + dt.timedelta(minutes=back % 50)
        pbx.inbound(morning, caller=f"0586{(back * 7919) % 1000000:06d}", ext=("201", "202")[back % 2], talk=3)
        afternoon = dt.datetime.combine(day, dt.time(14, 30), JST) + dt.timedelta(minutes=back % 40)
        pbx.outbound(afternoon, ext="203", number=f"090{(back * 104729) % 100000000:08d}", talk=3)


def _keep_running(gyomu: Step, pbx) -> None:
    """`gyomu capture` as the service runs it, the PBX placing a call every half minute, until Ctrl-C."""
    say = gyomu.say
    say(_("# 8. Capture keeps going, as the systemd service would run it; the PBX places a call every 30 s. Ctrl-C stops."))
    say("$ gyomu capture --interval 5")
    service = subprocess.Popen(gyomu.command("capture", "--interval", "5"), env=gyomu.environment(),
                               stdin=subprocess.DEVNULL, start_new_session=True)
    calls = 0
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager or `kill`: stop the same way
    try:
        while service.poll() is None:
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            calls += 1
            pbx.inbound(now - dt.timedelta(seconds=10), caller=f"0586{700000 + calls:06d}", ext="201", talk=4)
            say(_("# the PBX: a call from {number} ended").format(number=f"0586{700000 + calls:06d}"))
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                continue
        raise GyomuError(_("`gyomu capture` stopped by itself (exit {code}); see its messages above").format(code=service.returncode))
    except KeyboardInterrupt:
        say(_("# Stopping capture: what it holds is taken in first."))
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        gyomu("recordings", "list", "--kind", "call", "--limit", "5")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _show(report: Path) -> None:
    """Open the report in a browser where there is a screen to show it on."""
    if (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.stdout.isatty():
        import webbrowser

        webbrowser.open(report.as_uri())


def _call_id(gyomu: Step, number: str) -> str:
    import json

    rows = json.loads(gyomu("recordings", "list", "--kind", "call", "--number", number, "--json", show=False))
    return str(rows[0]["id"])


def _segment(path: Path, seconds: int = 4, fps: int = 25, shift: int = 0) -> Path:
    """A short H.264 file with a line sweeping across, standing in for a camera's segment."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(seconds * fps):
            image = np.zeros((180, 320, 3), dtype=np.uint8)
            image[:, (i * 4 + shift) % 320] = 255  # a line sweeping across: something moves
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
