"""Viewing requests (Art. 7, 8): every path of the state machine, with real media."""

import datetime as dt
import json
import sqlite3
import stat

import av
import numpy as np
import pytest
import soundfile

from conftest import JST
from gyomu_cli.errors import ExitCode

STARTED = dt.datetime(2026, 11, 20, 10, 15, 30, tzinfo=JST)
ADMIN_PW = "admin password"
OPERATOR_PW = "operator password"


def stereo_call(path, seconds=60, rate=8000):
    """Caller on the left (noise), staff on the right (another noise): every sample tells."""
    rng = np.random.default_rng(7)
    samples = rng.integers(-8000, 8000, size=(seconds * rate, 2), dtype=np.int16)
    soundfile.write(path, samples, rate, subtype="PCM_16")
    return samples


def segment(path, seconds=10, fps=25):
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"x264-params": f"keyint={fps}:min-keyint={fps}:scenecut=0"}  # a keyframe every second
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(
                np.full((120, 160, 3), i % 255, dtype=np.uint8), format="rgb24"
            )
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.fixture
def office(city, home, tmp_path):
    city("section", "add", "税務課")
    for login, role, section in (
        ("tanaka", "section-head", "市民課"),
        ("yamada", "section-head", "税務課"),
        ("suzuki", "operator", "資産経営課"),
    ):
        assert (
            city(
                "user",
                "add",
                login,
                "--name",
                login,
                "--section",
                section,
                "--role",
                role,
            ).exit_code
            == 0
        )
    city("--password-stdin", "user", "passwd", "sato", input=f"{ADMIN_PW}\n")
    city("--password-stdin", "user", "passwd", "suzuki", input=f"{OPERATOR_PW}\n")
    city.samples = stereo_call(tmp_path / "call.wav")
    result = city(
        "index",
        tmp_path / "call.wav",
        "--device",
        "line-main",
        "--started-at",
        STARTED.isoformat(),
        "--caller",
        "0586281234",
        "--callee",
        "0586289999",
    )
    assert result.exit_code == 0, result.stderr
    segment(tmp_path / "seg.mp4")
    result = city(
        "index",
        tmp_path / "seg.mp4",
        "--device",
        "cam-1f-counter",
        "--started-at",
        "2026-11-20T09:00:00+09:00",
    )
    assert result.exit_code == 0, result.stderr
    form = tmp_path / "視聴請求書-2026-118.pdf"
    form.write_bytes(b"%PDF-1.4 written request of tanaka, 2026-118")
    city.form = form
    return city


def new_request(gyomu, requester="tanaka", *extra):
    result = gyomu(
        "--as",
        "suzuki",
        "request",
        "new",
        "--requester",
        requester,
        "--purpose",
        "dispute",
        "--reason",
        "窓口での説明内容について申出あり",
        "--document",
        gyomu.form,
        "--json",
        *extra,
    )
    return result


def grant(gyomu, request_id, password=ADMIN_PW):
    return gyomu(
        "--as",
        "sato",
        "--password-stdin",
        "grant",
        str(request_id),
        input=f"{password}\n",
    )


def view(gyomu, request_id, out, *extra, viewer="tanaka"):
    return gyomu(
        "--as",
        "suzuki",
        "--password-stdin",
        "view",
        str(request_id),
        "--viewer",
        viewer,
        "--output",
        out,
        "--json",
        *extra,
        input=f"{OPERATOR_PW}\n",
    )


def active_holds(home):
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute(
            "SELECT recording_id, ref FROM holds WHERE released_at IS NULL ORDER BY id"
        ).fetchall()


def audit_actions(home, object_):
    with sqlite3.connect(home / "ledger.db") as db:
        return [
            r[0]
            for r in db.execute(
                "SELECT action FROM audit WHERE object = ? ORDER BY seq", [object_]
            )
        ]


def test_own_section_request_granted_viewed_closed(office, home, tmp_path):
    made = new_request(
        office, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:19:00"
    )
    assert made.exit_code == 0, made.stderr
    request = json.loads(made.stdout)
    assert (request["id"], request["state"]) == (1, "submitted")
    assert (
        request["items"][0]["start_offset"] == 30.0
        and request["items"][0]["end_offset"] == 60.0
    )  # clamped to the 60 s call

    granted = grant(office, 1)
    assert granted.exit_code == 0, granted.stderr
    assert active_holds(home) == [(1, "request:1")]

    out = tmp_path / "viewing"
    viewed = view(office, 1, out)
    assert viewed.exit_code == 0, viewed.stderr
    [copy] = json.loads(viewed.stdout)
    excerpt = out / copy["file"]
    assert stat.S_IMODE(excerpt.stat().st_mode) == 0o600
    samples, rate = soundfile.read(excerpt, dtype="int16")
    assert rate == 8000
    assert np.array_equal(samples, office.samples[30 * 8000 : 60 * 8000]), (
        "sample-exact"
    )
    manifest = json.loads((out / "request-1-manifest.json").read_text())
    assert manifest["copies"][0]["sha256"] == copy["sha256"]
    assert audit_actions(home, "recording:1")[-1] == "recording.viewed"

    closed = office("--as", "suzuki", "request", "close", "1", "--json")
    assert json.loads(closed.stdout)["state"] == "closed"
    assert active_holds(home) == []
    after = view(office, 1, tmp_path / "again")
    assert (after.exit_code, after.stderr) == (
        ExitCode.REFUSED,
        "Error: request 1 is closed: recordings are viewed only within a granted request (Art. 8-2)\n",
    )
    assert audit_actions(home, "request:1")[-1] == "access.refused"


def test_another_section_waits_for_the_responsible_heads_opinion(office, home):
    made = new_request(office, "yamada", "--recording", "1")
    request = json.loads(made.stdout)
    assert request["state"] == "awaiting-opinion" and request["waiting_for"] == [
        "市民課"
    ]
    early = grant(office, 1)
    assert (early.exit_code, early.stderr) == (
        ExitCode.REFUSED,
        "Error: request 1 awaits the opinion of the head of 市民課 before it can be granted (Art. 8-3)\n",
    )
    wrong = office(
        "--as", "suzuki", "request", "opinion", "1", "--by", "yamada", "--agree"
    )
    assert (wrong.exit_code, wrong.stderr) == (
        ExitCode.REFUSED,
        "Error: the opinion on request 1 comes from the head of 市民課 (Art. 8-3)\n",
    )
    without = office(
        "--as", "suzuki", "request", "opinion", "1", "--by", "tanaka", "--agree"
    )
    assert (without.exit_code, without.stderr) == (
        ExitCode.REFUSED,
        "Error: a written opinion is required (Art. 8-3): give --document FILE\n",
    )
    given = office(
        "--as",
        "suzuki",
        "request",
        "opinion",
        "1",
        "--by",
        "tanaka",
        "--disagree",
        "--note",
        "不要と考える",
        "--document",
        office.form,
        "--json",
    )
    assert given.exit_code == 0, given.stderr
    assert json.loads(given.stdout)["state"] == "opinion-given"
    [opinion] = json.loads(given.stdout)["opinions"]
    assert opinion["created_at"].endswith("+09:00"), "shown in the city's zone, like the request's own times"
    assert grant(office, 1).exit_code == 0, (
        "an opinion informs the decision; it does not take it"
    )
    twice = office(
        "--as",
        "suzuki",
        "request",
        "opinion",
        "1",
        "--by",
        "tanaka",
        "--agree",
        "--document",
        office.form,
    )
    assert twice.exit_code == ExitCode.REFUSED


def test_deny_then_grant_is_refused(office):
    new_request(office, "tanaka", "--recording", "1")
    no_reason = office(
        "--as",
        "sato",
        "--password-stdin",
        "deny",
        "1",
        "--reason",
        " ",
        input=f"{ADMIN_PW}\n",
    )
    assert no_reason.exit_code == ExitCode.USAGE
    denied = office(
        "--as",
        "sato",
        "--password-stdin",
        "deny",
        "1",
        "--reason",
        "目的外のため",
        input=f"{ADMIN_PW}\n",
    )
    assert denied.exit_code == 0
    again = grant(office, 1)
    assert (again.exit_code, again.stderr) == (
        ExitCode.REFUSED,
        "Error: request 1 is already denied; a decision is not taken twice (Art. 8-2)\n",
    )


def test_only_the_administrator_in_person_grants(office):
    new_request(office, "tanaka", "--recording", "1")
    by_operator = office(
        "--as", "suzuki", "--password-stdin", "grant", "1", input=f"{OPERATOR_PW}\n"
    )
    assert by_operator.exit_code == ExitCode.REFUSED
    assert (
        "only the administrator grants or denies a viewing, in person (Art. 8-2)"
        in by_operator.stderr
    )
    by_root = office("grant", "1")
    assert by_root.exit_code == ExitCode.REFUSED
    wrong_password = grant(office, 1, password="guess")
    assert (wrong_password.exit_code, wrong_password.stderr) == (
        ExitCode.REFUSED,
        "Error: wrong password for sato (Art. 6-1)\n",
    )
    assert (
        json.loads(office("request", "show", "1", "--json").stdout)["state"]
        == "submitted"
    )


def test_view_before_grant_by_another_viewer_and_outside_the_range(office, tmp_path):
    new_request(
        office, "tanaka", "--recording", "1", "--from", "10:15:40", "--to", "10:16:00"
    )
    early = view(office, 1, tmp_path / "v")
    assert early.exit_code == ExitCode.REFUSED and "is submitted" in early.stderr
    grant(office, 1)
    stranger = view(office, 1, tmp_path / "v", viewer="yamada")
    assert (stranger.exit_code, stranger.stderr) == (
        ExitCode.REFUSED,
        "Error: the viewing under request 1 is for tanaka, who requested it (Art. 8-2)\n",
    )
    outside = view(office, 1, tmp_path / "v", "--from", "10:15:35", "--to", "10:15:50")
    assert (outside.exit_code, outside.stderr) == (
        ExitCode.REFUSED,
        "Error: that range of recording 1 is outside what request 1 granted (Art. 8-2)\n",
    )
    inside = view(office, 1, tmp_path / "v", "--from", "10:15:45", "--to", "10:15:50")
    assert inside.exit_code == 0
    [copy] = json.loads(inside.stdout)
    assert copy["frames"] == 5 * 8000
    assert not list((tmp_path / "v").glob("*recording*")) == []


def test_one_party_of_a_call(office, tmp_path):
    new_request(
        office,
        "tanaka",
        "--recording",
        "1",
        "--from",
        "10:15:30",
        "--to",
        "10:15:40",
        "--channel",
        "staff",
    )
    grant(office, 1)
    [copy] = json.loads(view(office, 1, tmp_path / "v").stdout)
    samples, _ = soundfile.read(tmp_path / "v" / copy["file"], dtype="int16")
    assert samples.ndim == 1
    assert np.array_equal(samples, office.samples[: 10 * 8000, 1])


def test_video_excerpt_starts_at_a_keyframe_and_stops_at_the_end(office, tmp_path):
    new_request(
        office,
        "tanaka",
        "--recording",
        "2",
        "--from",
        "09:00:03.500",
        "--to",
        "09:00:06",
    )
    grant(office, 1)
    viewed = view(office, 1, tmp_path / "v")
    assert viewed.exit_code == 0, viewed.stderr
    [copy] = json.loads(viewed.stdout)
    assert copy["starts_early_by"] == 0.5  # keyframes every second: the copy begins at 3.0 s
    with av.open(str(tmp_path / "v" / copy["file"])) as clip:
        stream = clip.streams.video[0]
        packets = [p for p in clip.demux(stream) if p.size]
        first = min(float(p.pts * p.time_base) for p in packets)
        last = max(float((p.pts + p.duration) * p.time_base) for p in packets)
        assert packets[0].is_keyframe
    assert first == pytest.approx(0.0, abs=0.1)  # B-frames may delay the first shown frame
    assert last - first == pytest.approx(3.0, abs=0.05)  # 3.0 s to 6.0 s of the segment


def test_written_request_is_stored_encrypted_and_required(office, home, tmp_path):
    new_request(office, "tanaka", "--recording", "1")
    with sqlite3.connect(home / "ledger.db") as db:
        key, title = db.execute("SELECT storage_key, title FROM documents").fetchone()
    assert title == "視聴請求書-2026-118.pdf"
    assert b"written request of tanaka" not in (home / "objects" / key).read_bytes()
    missing = office(
        "--as",
        "suzuki",
        "request",
        "new",
        "--requester",
        "tanaka",
        "--purpose",
        "dispute",
        "--recording",
        "1",
        "--reason",
        "r",
        "--document-ref",
        "第118号",
    )
    assert missing.exit_code == ExitCode.REFUSED
    assert "a scan of the written request is required (Art. 8-1)" in missing.stderr
    config = home / "gyomu.toml"
    config.write_text(
        config.read_text().replace("allow_reference = false", "allow_reference = true")
    )
    allowed = office(
        "--as",
        "suzuki",
        "request",
        "new",
        "--requester",
        "tanaka",
        "--purpose",
        "dispute",
        "--recording",
        "1",
        "--reason",
        "r",
        "--document-ref",
        "第118号",
    )
    assert allowed.exit_code == 0, allowed.stderr
    assert office("verify").exit_code == 0, "a stored document is not an orphan"


def test_purposes_and_requesters(office):
    provision = office(
        "--as",
        "suzuki",
        "request",
        "new",
        "--requester",
        "tanaka",
        "--purpose",
        "provision",
        "--recording",
        "1",
        "--reason",
        "r",
        "--document",
        office.form,
    )
    assert (
        provision.exit_code == ExitCode.USAGE
        and "provision goes through a disclosure (Art. 9)" in provision.stderr
    )
    not_a_head = new_request(office, "suzuki", "--recording", "1")
    assert (not_a_head.exit_code, not_a_head.stderr) == (
        ExitCode.REFUSED,
        "Error: suzuki is not a section head: viewings are requested by section heads (Art. 8-1)\n",
    )


def test_viewing_copies_are_erased_by_purge_when_their_time_is_up(
    office, home, tmp_path
):
    new_request(
        office, "tanaka", "--recording", "1", "--from", "10:15:30", "--to", "10:15:35"
    )
    grant(office, 1)
    [copy] = json.loads(view(office, 1, tmp_path / "v").stdout)
    assert office("purge").exit_code == 0
    assert (tmp_path / "v" / copy["file"]).exists(), "kept for the configured hours"
    config = home / "gyomu.toml"
    config.write_text(
        config.read_text().replace("viewing_copy_hours = 24", "viewing_copy_hours = 0")
    )
    listed = office("purge", "--list")
    assert listed.exit_code == 0
    assert listed.stdout.startswith(
        f"Erased viewing copy {tmp_path / 'v' / copy['file']} (request 1)"
    )
    assert not (tmp_path / "v" / copy["file"]).exists()


def test_searches_record_what_they_serve(office, home):
    new_request(office, "tanaka", "--recording", "1")
    office(
        "--as",
        "suzuki",
        "recordings",
        "list",
        "--number",
        "0586281234",
        "--request",
        "1",
    )
    office("--as", "suzuki", "recordings", "show", "1")
    with sqlite3.connect(home / "ledger.db") as db:
        events = db.execute(
            "SELECT action, detail FROM audit WHERE action IN ('recordings.searched', 'recording.shown') ORDER BY seq"
        ).fetchall()
    searched, shown = [(a, json.loads(d)) for a, d in events[-2:]]
    assert searched == (
        "recordings.searched",
        {"request": 1, "filters": ["number", "state"]},
    )
    assert shown == ("recording.shown", {"purpose": "maintenance", "recording": 1})
    assert "0586281234" not in json.dumps(events, ensure_ascii=False)


def test_request_list(office):
    new_request(office, "tanaka", "--recording", "1")
    new_request(office, "yamada", "--recording", "1")
    office("--as", "suzuki", "request", "close", "1")
    listed = json.loads(office("request", "list", "--open", "--json").stdout)
    assert [(r["id"], r["state"]) for r in listed] == [(2, "awaiting-opinion")]
