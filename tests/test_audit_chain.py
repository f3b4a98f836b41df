"""The audit chain: any altered, deleted or inserted event is found (Art. 13)."""

import json
import sqlite3

import pytest

from gyomu_cli.audit import event_hash
from gyomu_cli.errors import ExitCode


@pytest.fixture
def logged(city, home):
    """A home with a dozen events, and the audit triggers dropped as an intruder would."""
    for name in ("税務課", "福祉課", "環境課", "教育課"):
        city("section", "add", name)
    db = sqlite3.connect(home / "ledger.db")
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.commit()
    yield db
    db.close()


def verify(gyomu, *args):
    return gyomu("audit", "verify", *args)


def test_intact_chain_prints_its_head(logged, city):
    result = verify(city)
    assert result.exit_code == 0
    seq, digest = result.stdout.strip().split(":")
    (last,) = logged.execute("SELECT hash FROM audit WHERE seq = ?", [int(seq)]).fetchone()
    assert digest == last
    assert result.stderr == f"Audit chain intact: {seq} events.\n"


def test_altered_event_is_named(logged, city):
    logged.execute("UPDATE audit SET actor = 'someone' WHERE seq = 5")
    logged.commit()
    result = verify(city)
    assert (result.exit_code, result.stderr) == (
        ExitCode.INTEGRITY,
        "Error: audit chain broken: event 5 was altered: its content does not match its hash\n",
    )


def test_altered_and_rehashed_event_breaks_the_next_link(logged, city):
    row = dict(zip([d[0] for d in logged.execute("SELECT * FROM audit WHERE seq = 5").description],
                   logged.execute("SELECT * FROM audit WHERE seq = 5").fetchone()))
    row["detail"] = json.dumps({"name": "偽の課"}, ensure_ascii=False)
    logged.execute("UPDATE audit SET detail = ?, hash = ? WHERE seq = 5", [row["detail"], event_hash(row)])
    logged.commit()
    result = verify(city)
    assert result.exit_code == ExitCode.INTEGRITY
    assert "event 6 does not follow event 5" in result.stderr


def test_deleted_event_is_named(logged, city):
    logged.execute("DELETE FROM audit WHERE seq = 7")
    logged.commit()
    result = verify(city)
    assert (result.exit_code, result.stderr) == (
        ExitCode.INTEGRITY, "Error: audit chain broken: event 7 missing: deleted from the log\n"
    )


def test_inserted_event_is_named(logged, city):
    rows = logged.execute("SELECT * FROM audit WHERE seq >= 4 ORDER BY seq DESC").fetchall()
    for row in rows:  # make room: shift every later event up by one
        logged.execute("UPDATE audit SET seq = seq + 1 WHERE seq = ?", [row[0]])
    logged.execute(
        "INSERT INTO audit (seq, at, actor, command, action, outcome, detail, prev_hash, hash) "
        "VALUES (4, '2026-01-01T00:00:00.000Z', 'ghost', 'x', 'x', 'ok', '{}', 'x', 'x')"
    )
    logged.commit()
    result = verify(city)
    assert result.exit_code == ExitCode.INTEGRITY
    assert "event 4 does not follow event 3" in result.stderr


def test_deleting_the_newest_events_is_caught_by_a_printed_head(logged, city):
    head = verify(city).stdout.strip()
    city("section", "add", "監査課")
    assert verify(city, "--head", head).exit_code == 0
    seq = int(head.split(":")[0])
    logged.execute("DELETE FROM audit WHERE seq >= ?", [seq])
    logged.commit()
    assert verify(city).exit_code == 0, "a cut-off tail leaves a valid chain..."
    cut = verify(city, "--head", head)
    assert cut.exit_code == ExitCode.INTEGRITY, "...which the printed head exposes"
    assert cut.stderr.startswith(f"Error: audit event {seq} is not the one printed")


def test_audit_log_filters(city):
    city("--as", "nobody", "section", "list")
    refused = json.loads(city("audit", "log", "--outcome", "refused", "--json").stdout)
    assert [(e["action"], e["acting_as"]) for e in refused] == [("access.refused", "nobody")]
    since = city("audit", "log", "--since", "2000-01-01", "--action", "device.added", "--json")
    assert [e["detail"]["name"] for e in json.loads(since.stdout)] == ["line-main", "cam-1f-counter"]
    assert city("audit", "log", "--since", "soon").exit_code == ExitCode.USAGE
