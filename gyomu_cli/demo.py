"""`gyomu demo`: one day at city hall, played through the real commands.

It sets up a home, lets a stand-in PBX write the CDR rows and MixMonitor
files Asterisk would write (the Asterisk backend reads them exactly as in
production), indexes generated camera segments, then walks a dispute through
request, opinion, grant and viewing, an emergency disclosure whose document
arrives later, a purge, the yearly report and an audit check. Every step is a
`gyomu` command run as a person would type it, and is printed as such.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shlex
import subprocess
import sys
from pathlib import Path

from gyomu_cli.errors import ConfigError, GyomuError

PASSWORD = "demo-password"
JST = dt.timezone(dt.timedelta(hours=9))


class Step:
    """Runs `gyomu --home HOME ...` and shows it like a terminal would."""

    def __init__(self, home: Path, say):
        self.home = home
        self.say = say

    def __call__(self, *args, password: bool = False, show: bool = True) -> str:
        shown = "gyomu " + " ".join(shlex.quote(str(a)) for a in args)
        self.say(f"$ {shown}" + ("    # password asked" if password else ""))
        command = [sys.executable, "-m", "gyomu_cli", "--home", str(self.home)]
        command += ["--password-stdin", *map(str, args)] if password else list(map(str, args))
        env = {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "GYOMU_HOME")}
        done = subprocess.run(command, input=f"{PASSWORD}\n" if password else None,
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise GyomuError(f"the demo stopped at `{shown}`: {done.stderr.strip()}")
        if show and done.stdout.strip():
            for line in done.stdout.strip().splitlines()[:12]:
                self.say(f"  {line}")
        return done.stdout


def run(home: Path, say=print) -> Path:
    try:
        from gyomu_pbx_asterisk.simulator import JST as _, Pbx  # noqa: F401
    except ImportError:
        raise ConfigError("the demo needs the Asterisk backend (gyomu-pbx-asterisk); run scripts/setup") from None
    home = home.absolute()
    if home.exists() and any(home.iterdir()):
        raise GyomuError(f"{home} is not empty; the demo plays into a new folder (give --home)")
    me = getpass.getuser()
    gyomu = Step(home, say)
    pbx_root = home.with_name(home.name + "-pbx")
    work = home.with_name(home.name + "-work")
    work.mkdir(parents=True, exist_ok=True)

    say(f"$ export GYOMU_HOME={shlex.quote(str(home))}")
    say(f"# You ({me}) are the administrator; every password asked below is {PASSWORD!r}.")
    say("# 1. The home, its administrator, sections and people (Art. 5)")
    gyomu("init", "--admin", me, "--name", "佐藤 一郎", "--section", "資産経営課")
    gyomu("user", "passwd", me, password=True)
    for section in ("市民課", "税務課"):
        gyomu("section", "add", section)
    gyomu("user", "add", "tanaka", "--name", "田中 花子", "--section", "市民課", "--role", "section-head", password=True)
    gyomu("user", "add", "yamada", "--name", "山田 太郎", "--section", "税務課", "--role", "section-head", password=True)
    gyomu("user", "add", "suzuki", "--name", "鈴木 次郎", "--section", "資産経営課", "--role", "operator", password=True)

    say("# 2. The PBX writes its CDR and recordings; gyomu takes the external calls (Art. 2)")
    pbx = Pbx(pbx_root)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    extensions = work / "extensions.csv"
    extensions.write_text("extension,section\n201,市民課\n202,市民課\n203,税務課\n")
    gyomu("device", "add", "pbx-main", "--kind", "phone-line", "--backend", "pbx_asterisk", "--section", "資産経営課",
          "--location", "本庁舎 電話交換機", "--purpose", "通話内容の確認のため",
          "--option", f"cdr={pbx.cdr}", "--option", f"spool={pbx.spool}", "--option", "timezone=UTC",
          "--option", "trunks=ntt-trunk", "--option", f"extensions={extensions}", "--option", "settle=0")
    dispute = pbx.inbound(now - dt.timedelta(hours=3), caller="0586281234", ext="201", talk=20)
    pbx.inbound(now - dt.timedelta(hours=2), caller="0312345678", ext="202", talk=8)
    pbx.outbound(now - dt.timedelta(hours=1), ext="203", number="09012345678", talk=6)
    pbx.internal(now - dt.timedelta(minutes=50))
    pbx.inbound(now - dt.timedelta(minutes=40), caller="0529998888", answered=False, record="empty")
    pbx.inbound(now - dt.timedelta(days=400), caller="0561112222", ext="201", talk=5)  # older than a year
    gyomu("capture", "--once", "--json", show=False)
    gyomu("recordings", "list", "--kind", "call")

    say("# 3. The counter camera's segments (a generated stream: no camera here)")
    gyomu("device", "add", "cam-1f-counter", "--kind", "camera", "--section", "市民課",
          "--location", "本庁舎1階 市民課窓口", "--purpose", "窓口対応の記録のため")
    for n, started in enumerate((now - dt.timedelta(hours=3), now - dt.timedelta(days=100))):
        segment = _segment(work / f"seg-{n}.mp4", shift=n * 97)
        gyomu("index", segment, "--device", "cam-1f-counter", "--started-at", started.isoformat(), "--erase-source")

    say("# 4. A dispute: the section head asks in writing, the administrator grants, she views (Art. 7, 8)")
    form = work / "視聴請求書-demo.pdf"
    form.write_bytes("%PDF-1.4\n% 視聴請求書 (demo)\n".encode())
    ids = _call_ids(gyomu)
    call = ids["0586281234"]
    start = dispute.start.astimezone(JST)
    window = (start + dt.timedelta(seconds=2)).strftime("%H:%M:%S"), (start + dt.timedelta(seconds=12)).strftime("%H:%M:%S")
    gyomu("request", "new", "--requester", "tanaka", "--purpose", "dispute", "--recording", call,
          "--from", window[0], "--to", window[1], "--document", form, "--reason", "窓口での説明内容について申出あり")
    gyomu("grant", "1", password=True)
    gyomu("view", "1", "--viewer", "tanaka", "--output", work / "viewing", password=True)
    gyomu("request", "close", "1")
    say("# ... and another section asks: the responsible head's opinion comes first (Art. 8-3)")
    gyomu("request", "new", "--requester", "yamada", "--purpose", "business", "--recording", call,
          "--document", form, "--reason", "税務相談の経緯確認")
    gyomu("request", "opinion", "2", "--by", "tanaka", "--agree", "--document", form)
    gyomu("deny", "2", "--reason", "目的外のため", password=True)

    say("# 5. An emergency provision whose written request arrives later (Art. 9 (5), 11-2)")
    gyomu("disclose", "new", "--basis", "emergency", "--decided-by", "市長室", "--recipient", "一宮警察署",
          "--document-pending", "--item", f"{call}@{window[0]}-{window[1]}:caller",
          "--output", work / "提供" / "demo-001", password=True)
    gyomu("disclose", "document", "1", form)

    say("# 6. Retention: what is past its time is erased by overwriting (Art. 6-2)")
    gyomu("purge", "--list")

    say("# 7. The yearly report and the audit chain (Art. 13, 14)")
    report = work / "運用状況.html"
    year = now.astimezone(JST).year - (1 if now.astimezone(JST).month < 4 else 0)
    gyomu("report", "annual", "--fiscal-year", year, "--format", "html", "--output", report)
    gyomu("report", "notice", "--format", "html", "--output", work / "設置公表.html")
    gyomu("audit", "verify")
    gyomu("verify", "--deep")
    say(f"# Done. The report: {report}")
    return report


def _call_ids(gyomu: Step) -> dict[str, str]:
    import json

    rows = json.loads(gyomu("recordings", "list", "--kind", "call", "--json", show=False))
    return {row["caller"]: str(row["id"]) for row in rows}


def _segment(path: Path, seconds: int = 4, fps: int = 25, shift: int = 0) -> Path:
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
