"""The Asterisk backend: from CDR rows and MixMonitor files to call records (Art. 2)."""

import datetime as dt
import json
import os
import sqlite3

import numpy as np
import pytest
import soundfile

from gyomu_pbx_asterisk.simulator import JST, UTC, Pbx, dominant
from gyomu_cli.errors import ExitCode


def ago(minutes: float) -> dt.datetime:
    return (dt.datetime.now(UTC) - dt.timedelta(minutes=minutes)).replace(microsecond=0)


@pytest.fixture
def pbx(tmp_path):
    return Pbx(tmp_path / "asterisk")


def add_pbx(gyomu, pbx, *options, name="pbx-main"):
    zone = "UTC" if pbx.zone is UTC else "Asia/Tokyo"
    result = gyomu(
        "device", "add", name, "--kind", "phone-line", "--backend", "pbx_asterisk",
        "--section", "資産経営課", "--location", "本庁舎 電話交換機", "--purpose", "通話内容の確認のため",
        "--option", f"cdr={pbx.cdr}", "--option", f"spool={pbx.spool}", "--option", f"timezone={zone}",
        "--option", "trunks=ntt-trunk,hikari", "--option", "settle=0", *options,
    )
    assert result.exit_code == 0, result.stderr
    return gyomu


def calls(gyomu):
    return json.loads(gyomu("recordings", "list", "--kind", "call", "--json", "--limit", "0").stdout)


def audio_of(home, recording_id):
    from gyomu_cli import objects
    from gyomu_cli.session import Session

    session = Session.open(home, "verify")
    try:
        row = session.ledger.one("SELECT * FROM recordings WHERE id = ?", [recording_id])
        with objects.plaintext(session, row) as path:
            return soundfile.read(path, dtype="int16")[0]
    finally:
        session.close()


@pytest.mark.parametrize("layout, zone", [("csv17", JST), ("csv18", UTC), ("csv19", UTC), ("csv21", UTC), ("csv21", JST)])
def test_inbound_and_outbound_calls_in_every_layout(city, home, tmp_path, layout, zone):
    pbx = Pbx(tmp_path / "asterisk", layout=layout, zone=zone)
    add_pbx(city, pbx)
    inbound = pbx.inbound(ago(30))
    outbound = pbx.outbound(ago(20))
    result = city("capture", "--once")
    assert result.exit_code == 0, result.stderr
    stored = {c["caller"]: c for c in calls(city)}
    assert set(stored) == {"0586281234", "203"}
    came_in, went_out = stored["0586281234"], stored["203"]
    assert (came_in["callee"], came_in["direction"], came_in["section"]) == ("0586289999", "in", "資産経営課")
    assert (went_out["callee"], went_out["direction"]) == ("09012345678", "out")
    assert dt.datetime.fromisoformat(came_in["started_at"]) == inbound.start
    assert dt.datetime.fromisoformat(went_out["started_at"]) == outbound.start
    assert came_in["duration"] == 6.0  # ringing 2 s + talking 4 s: start to end
    assert came_in["media"]["pbx"]["talk_seconds"] == 4.0
    assert abs(dominant(audio_of(home, came_in["id"])) - inbound.tone) < 5
    assert abs(dominant(audio_of(home, went_out["id"])) - outbound.tone) < 5


def test_spool_copies_are_overwritten_once_stored(city, pbx):
    add_pbx(city, pbx)
    call = pbx.inbound(ago(10))
    [recording] = call.files
    witness = recording.with_name("witness")
    os.link(recording, witness)
    assert city("capture", "--once").exit_code == 0
    assert not recording.exists()
    assert witness.read_bytes() == bytes(len(witness.read_bytes()))


def test_internal_calls_are_never_stored(city, pbx):
    add_pbx(city, pbx)
    internal = pbx.internal(ago(10))
    pbx.inbound(ago(9))
    result = city("capture", "--once")
    assert result.exit_code == 0
    assert [c["caller"] for c in calls(city)] == ["0586281234"]
    assert internal.files[0].exists(), "not gyomu's to take or to erase"
    assert "no CDR row" not in result.stderr


def test_emergency_numbers_are_external_by_their_trunk(city, pbx):
    add_pbx(city, pbx)
    pbx.outbound(ago(10), number="110")
    pbx.outbound(ago(9), number="119", trunk="hikari")
    assert city("capture", "--once").exit_code == 0
    assert sorted(c["callee"] for c in calls(city)) == ["110", "119"]


def test_blind_transfer_ring_group_and_duplicates_are_one_call(city, pbx):
    add_pbx(city, pbx)
    start = ago(30)
    uid = pbx.uniqueid(start)
    pbx.write_wav(pbx.recording_path("in", "0586289999", "0586281234", start, uid), np.zeros(8000 * 9, "int16"))
    s = dt.timedelta(seconds=1)
    trunk = "PJSIP/ntt-trunk-00000041"
    ring_group = [
        pbx.row(src="0586281234", dst="600", channel=trunk, dstchannel=f"PJSIP/{ext}-0000004{n}",
                start=start, answer=None, end=start + 3 * s, disposition="NO ANSWER", uniqueid=uid, sequence=n)
        for n, ext in ((2, "202"), (3, "203"))
    ]
    first_leg = pbx.row(src="0586281234", dst="600", channel=trunk, dstchannel="PJSIP/201-00000044",
                        start=start, answer=start + 3 * s, end=start + 5 * s, disposition="ANSWERED", uniqueid=uid, sequence=4)
    transferred = pbx.row(src="0586281234", dst="204", channel=trunk, dstchannel="PJSIP/204-00000045",
                          start=start + 5 * s, answer=start + 6 * s, end=start + 9 * s, disposition="ANSWERED", uniqueid=uid, sequence=5)
    consultation = pbx.row(src="201", dst="204", channel="PJSIP/201-00000046", dstchannel="PJSIP/204-00000047",
                           start=start + 4 * s, answer=start + 4 * s, end=start + 5 * s, disposition="ANSWERED",
                           uniqueid=f"{uid}1", context="from-internal")
    pbx.append(*ring_group, first_leg, consultation, transferred, first_leg)  # a second CDR backend repeats a row
    assert city("capture", "--once").exit_code == 0
    [call] = calls(city)
    assert dt.datetime.fromisoformat(call["started_at"]) == start
    assert dt.datetime.fromisoformat(call["ended_at"]) == start + 9 * s
    assert call["media"]["pbx"]["talk_seconds"] == 5.0  # 2 s with 201, then 3 s with 204
    assert call["media"]["pbx"]["rows"] == 4


def test_caller_names_with_quotes_and_cut_characters_do_not_break_rows(city, pbx):
    add_pbx(city, pbx)
    pbx.outbound(ago(10), caller_name='税務課 "山田" ' + "長" * 40)  # cut at 80 bytes, mid-character
    assert city("capture", "--once").exit_code == 0
    assert [c["callee"] for c in calls(city)] == ["09012345678"]


def test_unfinished_recording_waits(city, pbx):
    add_pbx(city, pbx)
    call = pbx.inbound(ago(5), finished=False)
    assert city("capture", "--once").exit_code == 0
    assert calls(city) == []
    assert call.files[0].exists()
    Pbx.finish_wav(call.files[0])
    assert city("capture", "--once").exit_code == 0
    assert len(calls(city)) == 1


def test_settle_time_is_respected(city, pbx):
    add_pbx(city, pbx, "--option", "settle=3600", name="pbx-slow")
    pbx.inbound(ago(0.1))
    assert city("capture", "--once").exit_code == 0
    assert calls(city) == []


def test_orphans_are_reported_kept_and_retried(city, pbx):
    add_pbx(city, pbx, "--option", "orphan_after=0")
    lonely_row = pbx.inbound(ago(20), record="none")
    lonely_file = pbx.inbound(ago(15), write_row=False)
    first = city("capture", "--once")
    assert first.exit_code == 0
    assert f"call {lonely_row.uniqueid} has CDR rows but no recording" in first.stderr
    assert f"{lonely_file.files[0]} has no CDR row; kept and retried" in first.stderr
    assert calls(city) == [] and lonely_file.files[0].exists()
    second = city("capture", "--once")
    assert "no recording" not in second.stderr, "each problem is reported once"
    # the missing pieces arrive: both calls go in
    pbx.write_wav(pbx.recording_path("in", "0586289999", "0586281234", lonely_row.start, lonely_row.uniqueid), np.zeros(8000, "int16"))
    late_row = pbx.row(src="0586281234", dst="0586289999", channel="PJSIP/ntt-trunk-0000009a", dstchannel="PJSIP/201-0000009b",
                       start=lonely_file.start, answer=lonely_file.start + dt.timedelta(seconds=2),
                       end=lonely_file.start + dt.timedelta(seconds=6), disposition="ANSWERED", uniqueid=lonely_file.uniqueid)
    pbx.append(late_row)
    assert city("capture", "--once").exit_code == 0
    assert len(calls(city)) == 2


@pytest.mark.parametrize("mode, expected", [("record", 1), ("skip", 0)])
def test_unanswered_calls_per_configuration(city, pbx, mode, expected):
    add_pbx(city, pbx, "--option", f"unanswered={mode}")
    call = pbx.inbound(ago(10), answered=False, record="empty")
    assert city("capture", "--once").exit_code == 0
    stored = calls(city)
    assert len(stored) == expected
    if stored:
        assert stored[0]["storage_key"] is None and stored[0]["media"]["pbx"]["disposition"] == "NO ANSWER"
    assert not call.files[0].exists(), "the empty spool file is cleared either way"


def test_r_and_t_are_stored_as_two_channels(city, home, pbx):
    add_pbx(city, pbx)
    call = pbx.inbound(ago(10), record="rt")
    assert city("capture", "--once").exit_code == 0
    [stored] = calls(city)
    audio = audio_of(home, stored["id"])
    assert audio.shape[1] == 2
    assert abs(dominant(audio[:, 0]) - call.tone) < 5  # the caller
    assert abs(dominant(audio[:, 1]) - (call.tone + 1000)) < 5  # the staff member
    assert not any(f.exists() for f in call.files)


def test_gsm_wav49_recordings(city, home, pbx):
    add_pbx(city, pbx)
    call = pbx.inbound(ago(10), record="wav49")
    assert call.files[0].suffix == ".WAV"
    assert city("capture", "--once").exit_code == 0
    [stored] = calls(city)
    assert abs(dominant(audio_of(home, stored["id"])) - call.tone) < 10


def test_extension_map_gives_the_section(city, pbx, tmp_path):
    city("section", "add", "税務課")
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("extension,section\n201,市民課\n203,税務課\n")
    add_pbx(city, pbx, "--option", f"extensions={extensions}")
    pbx.inbound(ago(20), ext="201")
    pbx.outbound(ago(15), ext="203")
    pbx.inbound(ago(10), ext="299", caller="0312345678")
    result = city("capture", "--once")
    sections = {c["caller"]: c["section"] for c in calls(city)}
    assert sections == {"0586281234": "市民課", "203": "税務課", "0312345678": "資産経営課"}
    assert "extension 299 is not in the extension map" in result.stderr


def test_capture_is_idempotent_across_runs_and_rotation(city, pbx):
    add_pbx(city, pbx)
    pbx.inbound(ago(40))
    assert city("capture", "--once").exit_code == 0
    pbx.inbound(ago(35), caller="0311111111")
    rotated = pbx.cdr.with_name("Master.csv.1")
    pbx.cdr.rename(rotated)  # logrotate moves the file; Asterisk opens a new one
    pbx.inbound(ago(30), caller="0322222222")
    again = city("capture", "--once")
    assert again.exit_code == 0
    assert sorted(c["caller"] for c in calls(city)) == ["0311111111", "0322222222", "0586281234"]
    pbx.append(rotated.read_bytes())  # the same rows read again
    assert city("capture", "--once").exit_code == 0
    assert len(calls(city)) == 3


def test_malformed_line_is_reported_once_and_the_rest_goes_on(city, pbx):
    add_pbx(city, pbx)
    pbx.append(b'"","0586281234","broken\n')
    pbx.inbound(ago(10))
    first = city("capture", "--once")
    assert first.exit_code == 0
    assert "Master.csv line 1 set aside" in first.stderr
    assert len(calls(city)) == 1
    assert "line 1" not in city("capture", "--once").stderr


def test_misconfigured_device_is_one_clear_line(city, pbx, tmp_path):
    result = city(
        "device", "add", "pbx-x", "--kind", "phone-line", "--backend", "pbx_asterisk", "--section", "市民課",
        "--location", "l", "--purpose", "p", "--option", f"cdr={pbx.cdr}",
    )
    assert result.exit_code == ExitCode.USAGE, "refused when added, not at 3 a.m. when capture starts"
    assert result.stderr.startswith("Error: device pbx-x was not added: set --option timezone=UTC")
    assert "pbx-x" not in city("device", "list").stdout
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("extension,section\n201,市民課\n")
    added = city(
        "device", "add", "pbx-x", "--kind", "phone-line", "--backend", "pbx_asterisk", "--section", "市民課",
        "--location", "l", "--purpose", "p", "--option", f"cdr={pbx.cdr}", "--option", f"spool={pbx.spool}",
        "--option", "timezone=UTC", "--option", "trunks=ntt-trunk", "--option", f"extensions={extensions}",
    )
    assert added.exit_code == 0, added.stderr
    extensions.unlink()  # what was right when added can go wrong later: capture says so in one line
    done = city("capture", "--once")
    assert done.exit_code == ExitCode.NOT_READY
    assert done.stderr.startswith("Error: device pbx-x: cannot read the extension map")
    assert len(done.stderr.splitlines()) == 1
    unknown = city("device", "add", "pbx-y", "--kind", "phone-line", "--backend", "avaya", "--section", "市民課",
                   "--location", "l", "--purpose", "p")
    assert unknown.exit_code == ExitCode.NOT_READY
    assert "no pbx backend named 'avaya' is installed" in unknown.stderr


def test_index_backend_rescans_one_device(city, pbx):
    add_pbx(city, pbx)
    pbx.inbound(ago(10))
    result = city("index", "--backend", "pbx_asterisk", "--device", "pbx-main")
    assert result.exit_code == 0, result.stderr
    assert len(calls(city)) == 1


def test_audit_and_ledger_keep_pbx_ids_not_names(city, home, pbx):
    add_pbx(city, pbx)
    call = pbx.inbound(ago(10))
    city("capture", "--once")
    with sqlite3.connect(home / "ledger.db") as db:
        source, ref = db.execute("SELECT source, source_ref FROM recordings").fetchone()
        details = " ".join(r[0] for r in db.execute("SELECT detail FROM audit"))
    assert (source, ref) == ("pbx:pbx-main", call.uniqueid)
    assert "0586281234" not in details


def test_flat_spool_with_wav16(city, home, tmp_path):
    pbx = Pbx(tmp_path / "asterisk", tree="flat")
    pbx.flat_extension, pbx.rate = "wav16", 16000
    add_pbx(city, pbx)
    call = pbx.inbound(ago(10))
    assert call.files[0].name == f"{call.uniqueid}.wav16"
    assert city("capture", "--once").exit_code == 0
    [stored] = calls(city)
    assert stored["media"]["sample_rate"] == 16000
    assert abs(dominant(audio_of(home, stored["id"]), 16000) - call.tone) < 5


def test_without_uniqueid_the_rows_are_refused_with_the_setting_to_change(city, tmp_path):
    pbx = Pbx(tmp_path / "asterisk", layout="csv16")
    add_pbx(city, pbx)
    pbx.inbound(ago(10))
    result = city("capture", "--once")
    assert "line 1 set aside: no uniqueid: turn on loguniqueid in cdr.conf" in result.stderr
    assert calls(city) == []


def test_a_rotation_gap_does_not_stop_capture(city, pbx):
    add_pbx(city, pbx)
    pbx.inbound(ago(20))
    assert city("capture", "--once").exit_code == 0
    pbx.inbound(ago(15), caller="0311111111")
    pbx.cdr.rename(pbx.cdr.with_name("Master.csv.1"))  # the new Master.csv does not exist yet
    result = city("capture", "--once")
    assert result.exit_code == 0, result.stderr
    assert len(calls(city)) == 2


def test_cdr_custom_layout_through_a_column_list(city, home, tmp_path):
    """cdr_custom's sample layout: another column order, always local time."""
    pbx = Pbx(tmp_path / "asterisk", zone=JST)
    custom = pbx.cdr.with_name("Custom.csv")
    start = ago(20)
    uid = pbx.uniqueid(start)
    pbx.write_wav(pbx.recording_path("in", "0586289999", "0586281234", start, uid), np.zeros(8000, "int16"))

    def q(text):
        return '"' + text.replace('"', '""') + '"'

    local = start.astimezone(JST)
    answer, end = local + dt.timedelta(seconds=2), local + dt.timedelta(seconds=6)
    fields = [q('"" <0586281234>'), q("0586281234"), q("0586289999"), q("from-trunk"), q("PJSIP/ntt-trunk-00000051"),
              q("PJSIP/201-00000052"), q("Dial"), q("PJSIP/201,30"), q(f"{local:%Y-%m-%d %H:%M:%S}"),
              q(f"{answer:%Y-%m-%d %H:%M:%S}"), q(f"{end:%Y-%m-%d %H:%M:%S}"), "6", "4", q("ANSWERED"),
              q("DOCUMENTATION"), q(""), q(uid), q(""), "1"]
    custom.write_text(",".join(fields) + "\n")
    columns = "clid,src,dst,dcontext,channel,dstchannel,lastapp,lastdata,start,answer,end,duration,billsec,disposition,amaflags,accountcode,uniqueid,userfield,sequence"
    result = city(
        "device", "add", "pbx-custom", "--kind", "phone-line", "--backend", "pbx_asterisk", "--section", "資産経営課",
        "--location", "l", "--purpose", "p", "--option", f"cdr={custom}", "--option", f"spool={pbx.spool}",
        "--option", "timezone=Asia/Tokyo", "--option", "trunks=ntt-trunk", "--option", "settle=0",
        "--option", f"columns={columns}",
    )
    assert result.exit_code == 0, result.stderr
    assert city("capture", "--once").exit_code == 0
    [call] = calls(city)
    assert (call["caller"], call["callee"], call["direction"]) == ("0586281234", "0586289999", "in")
    assert dt.datetime.fromisoformat(call["started_at"]) == start
    assert call["media"]["pbx"]["talk_seconds"] == 4.0
