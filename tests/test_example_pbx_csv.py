"""The PBX backend example in examples/pbx_csv, built, installed and run as a vendor would.

The example is installed with pip into a folder of its own and `gyomu` runs in
a subprocess with that folder on PYTHONPATH, so the plugin is found through
its entry point like any third-party plugin.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import soundfile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "pbx_csv"
GUIDE = ROOT / "docs" / "plugins.md"
GYOMU = Path(sys.executable).with_name("gyomu")
TOKYO = ZoneInfo("Asia/Tokyo")
HEADER = "call_id,start,answer,end,direction,external_number,extension,recording\n"
LONG_AGO = 600  # seconds: a WAV this old is finished by any settle time used here


def builds_wheels_offline() -> bool:
    """Whether this environment's setuptools can build a wheel without fetching anything."""
    try:
        importlib.metadata.version("wheel")
        return True
    except importlib.metadata.PackageNotFoundError:
        major, minor = (
            int(part)
            for part in importlib.metadata.version("setuptools").split(".")[:2]
        )
        return (major, minor) >= (70, 1)  # bdist_wheel moved into setuptools in 70.1


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> Path:
    """The example installed with pip into a folder of its own, once for this module."""
    work = tmp_path_factory.mktemp("pbx_csv")
    source = work / "source"  # pip builds in the source tree: keep the repository clean
    shutil.copytree(
        EXAMPLE,
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    target = work / "site"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--target",
        str(target),
    ]
    if builds_wheels_offline():
        command.append("--no-build-isolation")
    done = subprocess.run([*command, str(source)], capture_output=True, text=True)
    assert done.returncode == 0, f"pip could not install the example:\n{done.stderr}"
    return target


def run(plugin_path: Path, home: Path, *args) -> subprocess.CompletedProcess:
    """`gyomu --home HOME ...` as a user runs it, with the example installed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GYOMU_DEBUG", "GYOMU_PLUGINS", "SUDO_USER")
    }
    env["PYTHONPATH"] = str(plugin_path)
    command = [str(GYOMU), "--home", str(home), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env)


class Office:
    """A gyomu home with a phone line on the example backend, and the PBX's export folder."""

    def __init__(self, plugin_path: Path, root: Path):
        self.plugin_path = plugin_path
        self.home = root / "home"
        self.export = root / "export"
        self.export.mkdir()
        self.gyomu(
            "init", "--admin", "sato", "--name", "佐藤 一郎", "--section", "市民課"
        )
        self.gyomu("section", "add", "税務課")

    def gyomu(self, *args, expect: int | None = 0) -> subprocess.CompletedProcess:
        done = run(self.plugin_path, self.home, *args)
        if expect is not None:
            assert done.returncode == expect, (args, done.stderr)
        return done

    def add_line(self, name: str, *options: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        flags = [part for option in options for part in ("--option", option)]
        return self.gyomu(
            "device",
            "add",
            name,
            "--kind",
            "phone-line",
            "--section",
            "市民課",
            "--location",
            "本庁舎 電話交換機",
            "--purpose",
            "通話内容の確認のため",
            "--backend",
            "pbx_csv",
            *flags,
            expect=expect,
        )

    def capture(self, expect: int = 0) -> tuple[dict, str]:
        done = self.gyomu("capture", "--once", "--json", expect=expect)
        [tally] = json.loads(done.stdout)
        return tally, done.stderr

    def calls(self) -> list[dict]:
        done = self.gyomu(
            "recordings", "list", "--kind", "call", "--json", "--limit", "0"
        )
        return json.loads(done.stdout)

    def day_file(self, start: dt.datetime) -> Path:
        return self.export / f"calls-{start:%Y%m%d}.csv"

    def append(self, start: dt.datetime, *lines: str) -> Path:
        """Append rows as the PBX does, writing the header when it starts the day's file."""
        path = self.day_file(start)
        text = "" if path.exists() else HEADER
        with open(path, "a", encoding="utf-8", newline="") as out:
            out.write(text + "".join(line + "\n" for line in lines))
        return path

    def wav(
        self, name: str, seconds: float, pitch: int, age: float = LONG_AGO
    ) -> np.ndarray:
        """A real WAV in the export, last written `age` seconds ago."""
        frames = int(seconds * 8000)
        samples = (np.sin(2 * np.pi * pitch * np.arange(frames) / 8000) * 8000).astype(
            "int16"
        )
        path = self.export / name
        soundfile.write(path, samples, 8000, subtype="PCM_16")
        moment = dt.datetime.now().timestamp() - age
        os.utime(path, (moment, moment))
        return samples

    def stored_audio(self, recording_id: int) -> np.ndarray:
        from gyomu_cli import objects
        from gyomu_cli.session import Session

        session = Session.open(self.home, "verify")
        try:
            row = session.ledger.one(
                "SELECT * FROM recordings WHERE id = ?", [recording_id]
            )
            with objects.plaintext(session, row) as path:
                return soundfile.read(path, dtype="int16")[0]
        finally:
            session.close()


def stamp(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def clock(start: dt.datetime):
    """t(seconds): the PBX's way of writing the moment that long after start."""
    return lambda seconds: stamp(start + dt.timedelta(seconds=seconds))


@pytest.fixture
def office(plugin_path, tmp_path) -> Office:
    office = Office(plugin_path, tmp_path)
    office.add_line(
        "line-pbx",
        f"export={office.export}",
        "timezone=Asia/Tokyo",
        "extensions=305:税務課",
    )
    return office


def earlier(hours: float) -> dt.datetime:
    """A moment some hours ago in Tokyo, to the second, as the PBX writes times."""
    return (dt.datetime.now(TOKYO) - dt.timedelta(hours=hours)).replace(microsecond=0)


def test_gyomu_plugins_lists_the_installed_example(plugin_path, tmp_path):
    done = run(plugin_path, tmp_path / "home", "plugins", "--json")

    assert done.returncode == 0, done.stderr
    [plugin] = [p for p in json.loads(done.stdout) if p["name"] == "pbx_csv"]
    assert (plugin["distribution"], plugin["version"]) == ("gyomu-pbx-csv", "0.1.0")
    assert plugin["backends"] == ["pbx:pbx_csv"]
    assert plugin["hooks"] == ["register_pbx_backends"]


def test_external_calls_are_stored_and_their_wavs_erased(office):
    start = earlier(3)
    t = clock(start)
    inbound = office.wav("1042.wav", 2.0, 440)
    outbound = office.wav("1043.wav", 1.5, 880)
    office.wav("1044.wav", 1.0, 660)
    # A second name for the first WAV sees the bytes its erasure leaves on disk.
    witness = office.export / "witness"
    os.link(office.export / "1042.wav", witness)
    office.append(
        start,
        f"1042,{t(0)},{t(4)},{t(69)},in,0586281234,201,1042.wav",
        f"1043,{t(300)},{t(305)},{t(365)},out,09012345678,305,1043.wav",
        f"1044,{t(540)},{t(541)},{t(600)},internal,,201,1044.wav",
        f"1045,{t(720)},,{t(740)},in,,202,",
    )

    tally, _ = office.capture()

    assert (tally["stored"], tally["set_aside"]) == (3, 0)
    calls = {c["media"]["pbx"]["call_id"]: c for c in office.calls()}
    assert set(calls) == {"1042", "1043", "1045"}, (
        "the internal call is never stored (Art. 2)"
    )
    came_in, went_out, missed = calls["1042"], calls["1043"], calls["1045"]
    assert (came_in["caller"], came_in["callee"], came_in["direction"]) == (
        "0586281234",
        "201",
        "in",
    )
    assert (went_out["caller"], went_out["callee"], went_out["direction"]) == (
        "305",
        "09012345678",
        "out",
    )
    assert (missed["caller"], missed["storage_key"]) == ("anonymous", None)
    assert dt.datetime.fromisoformat(came_in["started_at"]) == start
    assert dt.datetime.fromisoformat(came_in["ended_at"]) == start + dt.timedelta(
        seconds=69
    )
    assert came_in["media"]["pbx"]["talk_seconds"] == 65.0
    assert (came_in["section"], went_out["section"]) == ("市民課", "税務課")
    assert np.array_equal(office.stored_audio(came_in["id"]), inbound)
    assert np.array_equal(office.stored_audio(went_out["id"]), outbound)
    assert (
        not (office.export / "1042.wav").exists()
        and not (office.export / "1043.wav").exists()
    )
    assert witness.read_bytes() == bytes(witness.stat().st_size), (
        "overwritten before removal (Art. 6-2)"
    )
    assert (office.export / "1044.wav").exists(), (
        "an internal call's file is not gyomu's to erase"
    )

    again, _ = office.capture()

    assert (again["stored"], again["already"]) == (0, 0)
    assert len(office.calls()) == 3


def test_a_call_waits_until_its_wav_is_there_and_finished(office):
    start = earlier(1)
    t = clock(start)
    office.append(start, f"2001,{t(0)},{t(5)},{t(65)},in,0586281234,201,2001.wav")

    missing, _ = office.capture()
    office.wav("2001.wav", 1.0, 500, age=0)  # the PBX is still writing it
    young, _ = office.capture()

    assert (missing["stored"], young["stored"]) == (0, 0)
    assert office.calls() == []
    assert (office.export / "2001.wav").exists()

    office.wav("2001.wav", 1.0, 500)
    finished, _ = office.capture()

    assert finished["stored"] == 1
    assert [c["media"]["pbx"]["call_id"] for c in office.calls()] == ["2001"]


def test_a_malformed_row_is_reported_kept_and_read_again_once_corrected(office):
    start = earlier(2)
    office.wav("3001.wav", 1.0, 500)
    office.wav("3002.wav", 1.0, 600)
    t = clock(start)
    day = office.append(
        start,
        f"3001,yesterday,{t(5)},{t(65)},in,0586281234,201,3001.wav",
        f"3002,{t(90)},{t(95)},{t(155)},out,0312345678,201,3002.wav",
    )
    written = day.read_bytes()

    first, stderr = office.capture()

    assert first["stored"] == 1
    assert f"{day.name} line 2 kept aside: start is not a time" in stderr
    assert "0586281234" not in stderr, "no phone number in the logs"
    assert day.read_bytes() == written and (office.export / "3001.wav").exists()

    second, stderr = office.capture()

    assert second["stored"] == 0
    assert "kept aside" not in stderr, "each problem is reported once"

    day.write_text(
        day.read_text(encoding="utf-8").replace("yesterday", stamp(start)),
        encoding="utf-8",
    )
    corrected, _ = office.capture()

    assert corrected["stored"] == 1
    assert sorted(c["media"]["pbx"]["call_id"] for c in office.calls()) == [
        "3001",
        "3002",
    ]


def test_a_damaged_wav_is_set_aside_with_its_reason(office):
    start = earlier(2)
    (office.export / "4001.wav").write_bytes(b"RIFF" + os.urandom(400))
    os.utime(office.export / "4001.wav", (start.timestamp(), start.timestamp()))
    t = clock(start)
    office.append(start, f"4001,{t(0)},{t(5)},{t(65)},in,0586281234,201,4001.wav")

    tally, stderr = office.capture(expect=6)

    assert tally["set_aside"] == 1 and "call 4001 set aside" in stderr
    assert (office.export / "4001.wav").exists(), "its files stay for an operator"
    state = json.loads(
        (office.home / "state" / "line-pbx" / "pbx_csv.json").read_text(
            encoding="utf-8"
        )
    )
    assert state["aside"]["4001"]

    again, stderr = office.capture()

    assert (again["stored"], again["set_aside"]) == (0, 0)
    assert office.calls() == []


def test_a_bad_option_is_refused_when_the_device_is_added(plugin_path, tmp_path):
    office = Office(plugin_path, tmp_path)
    refused = office.add_line("line-pbx", f"export={office.export}", "timezone=Asia", expect=2)

    assert refused.stderr == (
        "Error: device line-pbx was not added: option timezone: 'Asia' is not a time zone; "
        "use a name like Asia/Tokyo\n"
    )
    assert "line-pbx" not in office.gyomu("device", "list", "--json").stdout


def test_an_export_folder_gone_later_stops_capture_with_one_line(plugin_path, tmp_path):
    office = Office(plugin_path, tmp_path)
    office.add_line("line-pbx", f"export={office.export}", "timezone=Asia/Tokyo")
    office.export.rename(tmp_path / "unmounted")

    done = office.gyomu("capture", "--once", expect=3)

    assert done.stderr == (
        f"Error: device line-pbx: option export: {office.export} is not a folder; "
        "is the PBX's export share mounted?\n"
    )
    assert done.stdout == ""


@pytest.fixture
def csv_pbx(plugin_path, monkeypatch):
    """The installed backend class, imported into this process for the test alone."""
    monkeypatch.syspath_prepend(str(plugin_path))
    yield importlib.import_module("gyomu_pbx_csv.backend").CsvPbx
    for name in [name for name in sys.modules if name.startswith("gyomu_pbx_csv")]:
        del sys.modules[name]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"timezone": "Asia/Tokyo"}, "set --option export=FOLDER"),
        (
            {"export": "nowhere", "timezone": "Asia/Tokyo"},
            "option export: nowhere is not a folder",
        ),
        ({"export": "."}, "set --option timezone=ZONE"),
        (
            {"export": ".", "timezone": "Tokyo"},
            "option timezone: 'Tokyo' is not a time zone",
        ),
        (
            {"export": ".", "timezone": "UTC", "settle": "soon"},
            "option settle: 'soon' is not a number",
        ),
        (
            {"export": ".", "timezone": "UTC", "settle": "-5"},
            "option settle: '-5' is not a number",
        ),
        (
            {"export": ".", "timezone": "UTC", "extensions": "201"},
            "option extensions: '201' is not EXTENSION:SECTION",
        ),
    ],
)
def test_every_option_is_checked_by_name(
    csv_pbx, tmp_path, monkeypatch, options, message
):
    monkeypatch.chdir(tmp_path)
    from gyomu_cli.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        csv_pbx.from_options(
            tmp_path, {**options, "device": "line-pbx", "state_dir": str(tmp_path)}
        )

    assert str(refused.value).startswith(message)


def test_the_guide_quotes_the_example_as_it_is():
    guide = GUIDE.read_text(encoding="utf-8")
    start = guide.index("## A complete example: a PBX backend\n")
    section = guide[start : guide.index("\n## ", start)]
    blocks = re.findall(
        r"^```(?:python|toml)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL
    )
    sources = [
        path.read_text(encoding="utf-8")
        for path in sorted(EXAMPLE.glob("**/*.*"))
        if path.suffix in (".py", ".toml")
    ]

    for relative in ("pyproject.toml", "gyomu_pbx_csv/__init__.py"):
        assert (EXAMPLE / relative).read_text(encoding="utf-8") in blocks, (
            f"the guide shows {relative} whole"
        )
    for block in blocks:
        assert any(block in source for source in sources), (
            f"the guide quotes code the example lacks: {block[:60]!r}"
        )
