"""Provision to third parties (Art. 9-12): bases, documents, packages, return."""

import datetime as dt
import json
import sqlite3
import stat

import av
import bagit
import numpy as np
import pytest
import soundfile

from gyomu_cli.errors import ExitCode
from test_requests import ADMIN_PW, office  # noqa: F401  (the fixture)


def disclose(gyomu, *args, password=ADMIN_PW):
    return gyomu("--as", "sato", "--password-stdin", "disclose", *map(str, args), input=f"{password}\n")


def holds_on(home):
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute("SELECT recording_id, ref FROM holds WHERE released_at IS NULL ORDER BY id").fetchall()


@pytest.mark.parametrize("basis", ["committee", "law", "investigation", "staff-crime"])
def test_every_written_basis_makes_a_verifiable_package(office, home, tmp_path, basis):  # noqa: F811
    out = tmp_path / "提供" / "2026-003"
    made = disclose(office, "new", "--basis", basis, "--recipient", "一宮市第三者相談委員会 委員長",
                    "--document", office.form, "--item", "1@10:16:00-10:16:20", "--item", "1:caller",
                    "--output", out, "--json")
    assert made.exit_code == 0, made.stderr
    row = json.loads(made.stdout)
    assert (row["basis"], row["state"], row["document_pending"]) == (basis, "open", False)
    bag = bagit.Bag(str(out))
    bag.validate()  # an independent checker agrees with every hash
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    first, second = sorted((out / "data").iterdir())
    cut, rate = soundfile.read(first, dtype="int16")
    assert rate == 8000 and np.array_equal(cut, office.samples[30 * 8000 : 50 * 8000])
    caller_only, _ = soundfile.read(second, dtype="int16")
    assert caller_only.ndim == 1 and np.array_equal(caller_only, office.samples[:, 0])
    import hashlib

    assert row["package_sha256"] == hashlib.sha256((out / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    info = (out / "bag-info.txt").read_text()
    assert "Recipient: 一宮市第三者相談委員会 委員長" in info and "返却又は消去" in info
    cover = (out / "提供記録票.md").read_text()
    assert f"{first.name}" in cover and "第9条" in cover
    assert holds_on(home) == [(1, "disclosure:1")]


def test_emergency_goes_out_before_its_document_and_says_so_until_it_arrives(office, home, tmp_path):  # noqa: F811
    out = tmp_path / "2026-004"
    no_mayor = disclose(office, "new", "--basis", "emergency", "--recipient", "一宮警察署", "--document-pending",
                        "--item", "2@09:00:01-09:00:05", "--output", out)
    assert no_mayor.exit_code == ExitCode.USAGE and "the mayor's decision" in no_mayor.stderr
    made = disclose(office, "new", "--basis", "emergency", "--decided-by", "mayor-office", "--recipient", "一宮警察署",
                    "--document-pending", "--item", "2@09:00:01-09:00:05", "--output", out, "--json")
    assert made.exit_code == 0, made.stderr
    row = json.loads(made.stdout)
    assert row["document_pending"] and row["mayor_decided_by"] == "mayor-office"
    bagit.Bag(str(out)).validate()
    [clip] = list((out / "data").iterdir())
    with av.open(str(clip)) as video:
        assert video.streams.video[0].codec_context.name == "h264"
    listed = json.loads(office("disclose", "list", "--open", "--json").stdout)
    assert [(d["id"], d["document_pending"]) for d in listed] == [(1, True)]
    purge = office("purge")
    assert "disclosure 1 (emergency, to 一宮警察署) still lacks its written request (Art. 11-2)" in purge.stderr
    late = disclose(office, "document", "1", office.form, "--json")
    assert late.exit_code == 0, late.stderr
    assert not json.loads(late.stdout)["document_pending"]
    assert "lacks its written request" not in office("purge").stderr


def test_only_an_emergency_may_go_without_its_document(office, tmp_path):  # noqa: F811
    result = disclose(office, "new", "--basis", "law", "--recipient", "x", "--document-pending",
                      "--item", "1", "--output", tmp_path / "p")
    assert (result.exit_code, result.stderr) == (
        ExitCode.REFUSED,
        "Error: only an emergency (Art. 9 (5)) may go out before its written request (Art. 11-2); law needs --document\n",
    )
    missing = disclose(office, "new", "--basis", "committee", "--recipient", "x", "--item", "1", "--output", tmp_path / "q")
    assert missing.exit_code == ExitCode.REFUSED and "a written request is required" in missing.stderr
    unknown = disclose(office, "new", "--basis", "curiosity", "--recipient", "x", "--item", "1", "--output", tmp_path / "r")
    assert unknown.exit_code == ExitCode.USAGE and "is not one of Art. 9's" in unknown.stderr
    assert not (tmp_path / "p").exists() or not any((tmp_path / "p").rglob("*.wav"))


def test_committee_return_path_closes_and_lifts_the_hold(office, home, tmp_path):  # noqa: F811
    disclose(office, "new", "--basis", "committee", "--recipient", "委員長", "--document", office.form,
             "--item", "1@10:16:00-10:16:10", "--output", tmp_path / "p")
    early = disclose(office, "returned", "1", "--erased", "--document", office.form)
    assert early.exit_code == ExitCode.REFUSED and "(Art. 10-2)" in early.stderr
    asked = disclose(office, "return-requested", "1", "--document", office.form, "--json")
    assert json.loads(asked.stdout)["state"] == "return-requested"
    assert holds_on(home) == [(1, "disclosure:1")]
    impostor = disclose(office, "returned", "1", "--erased", "--document", office.form, password="guess")
    assert impostor.exit_code == ExitCode.REFUSED, "closing lifts the holds: the administrator, in person"
    assert holds_on(home) == [(1, "disclosure:1")]
    done = disclose(office, "returned", "1", "--erased", "--document", office.form, "--json")
    closed = json.loads(done.stdout)
    assert (closed["state"], closed["returned_how"]) == ("closed", "erased")
    assert holds_on(home) == []


def test_items_outside_the_recording_or_erased_are_refused(office, home, tmp_path):  # noqa: F811
    outside = disclose(office, "new", "--basis", "law", "--recipient", "x", "--document", office.form,
                       "--item", "1@11:00:00-11:05:00", "--output", tmp_path / "p")
    assert outside.exit_code == ExitCode.USAGE and "outside recording 1" in outside.stderr
    bad = disclose(office, "new", "--basis", "law", "--recipient", "x", "--document", office.form,
                   "--item", "1@soon", "--output", tmp_path / "q")
    assert bad.exit_code == ExitCode.USAGE and "is not RECORDING[@FROM-TO]" in bad.stderr
    with sqlite3.connect(home / "ledger.db") as db:
        db.execute("UPDATE recordings SET retain_until = '2000-01-01T00:00:00.000Z' WHERE id = 2")
    assert office("purge").exit_code == 0
    gone = disclose(office, "new", "--basis", "law", "--recipient", "x", "--document", office.form,
                    "--item", "2", "--output", tmp_path / "r")
    assert (gone.exit_code, gone.stderr) == (ExitCode.USAGE, "Error: recording 2 was erased; there is nothing left to view\n")
    assert json.loads(office("disclose", "list", "--json").stdout) == []


def test_only_the_administrator_discloses(office, tmp_path):  # noqa: F811
    result = office("--as", "suzuki", "disclose", "new", "--basis", "law", "--recipient", "x",
                    "--document", office.form, "--item", "1", "--output", tmp_path / "p")
    assert result.exit_code == ExitCode.REFUSED
    assert "only the administrator decides a provision to a third party, in person (Art. 9, Art. 10)" in result.stderr


def test_article_12_requests_run_on_a_clock(office, tmp_path):  # noqa: F811
    no_date = disclose(office, "new", "--basis", "subject-access", "--recipient", "本人", "--document", office.form,
                       "--item", "1:caller", "--output", tmp_path / "p")
    assert no_date.exit_code == ExitCode.USAGE and "--received-on" in no_date.stderr
    made = disclose(office, "new", "--basis", "subject-access", "--recipient", "本人", "--document", office.form,
                    "--item", "1:caller", "--received-on", "2026-11-20", "--output", tmp_path / "q", "--json")
    assert json.loads(made.stdout)["due_on"] == "2026-12-20"
    extended = disclose(office, "extend", "1", "--reason", "対象記録の確認に時間を要するため", "--json")
    assert json.loads(extended.stdout)["due_on"] == "2027-01-19"
    twice = disclose(office, "extend", "1", "--reason", "again")
    assert twice.exit_code == ExitCode.REFUSED
    assert dt.date(2027, 1, 19) - dt.date(2026, 11, 20) == dt.timedelta(days=60)
