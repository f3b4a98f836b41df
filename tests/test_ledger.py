"""The ledger file: its pragmas, its append-only audit, its indexes at scale."""

import sqlite3

import pytest

from gyomu_cli.audit import GENESIS, event_hash
from gyomu_cli.purge import TOMBSTONE


def connect(home):
    db = sqlite3.connect(home / "ledger.db")
    db.row_factory = sqlite3.Row
    return db


def test_wal_and_migrations(city, home):
    db = connect(home)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [r["name"] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied[:5] == ["m001_core", "m002_encryption", "m003_requests", "m004_disclosures", "m005_number_lookup"]
    from sqlite_utils import Database

    from gyomu_cli.migrations import migrations

    assert migrations.pending(Database(home / "ledger.db")) == []


def test_an_older_ledger_is_migrated_on_open(tmp_path):
    from sqlite_utils import Database

    from gyomu_cli.ledger import Ledger
    from gyomu_cli.migrations import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m002_encryption")
    old["sections"].insert({"name": "市民課", "created_at": "2026-01-01T00:00:00.000Z"})
    old.close()
    ledger = Ledger(path)
    columns = {c.name for c in ledger.db["recordings"].columns}
    assert {"wrapped_key", "plain_sha256"} <= columns
    assert ledger.one("SELECT name FROM sections")["name"] == "市民課"
    ledger.close()


def test_foreign_keys_are_enforced_by_gyomu_connections(city, home):
    from gyomu_cli.ledger import Ledger

    ledger = Ledger(home / "ledger.db")
    with pytest.raises(sqlite3.IntegrityError):
        with ledger.write() as db:
            db.execute("INSERT INTO holds (recording_id, reason, created_at, created_by) VALUES (99, 'manual', 'x', 'y')")
    assert ledger.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    ledger.close()


def test_audit_is_append_only(city, home):
    db = connect(home)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'someone else' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit WHERE seq = 1")


def test_audit_events_are_chained(city, home):
    rows = [dict(r) for r in connect(home).execute("SELECT * FROM audit ORDER BY seq")]
    assert rows[0]["prev_hash"] == GENESIS
    for before, event in zip(rows, rows[1:]):
        assert event["prev_hash"] == before["hash"]
    for event in rows:
        assert event_hash(event) == event["hash"]


def plan(db, sql, params):
    return " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_purge_and_lookups_use_indexes(city, home):
    """At millions of rows, no query of purge or of the lists may scan the table."""
    db = connect(home)
    due = plan(
        db,
        "SELECT r.id FROM recordings r JOIN devices d ON d.id = r.device_id "
        "WHERE r.state = 'stored' AND r.retain_until <= ? AND (r.retain_until, r.id) > (?, ?) "
        "ORDER BY r.retain_until, r.id LIMIT 500",
        ["2026", "", 0],
    )
    assert "USING INDEX recordings_due" in due and "SCAN r" not in due
    number = plan(
        db,
        "SELECT id FROM (SELECT id FROM recordings WHERE caller = ? ORDER BY started_at DESC LIMIT 100) "
        "UNION SELECT id FROM (SELECT id FROM recordings WHERE callee = ? ORDER BY started_at DESC LIMIT 100)",
        ["1", "1"],
    )
    assert "recordings_caller" in number and "recordings_callee" in number
    assert "TEMP B-TREE FOR ORDER BY" not in number, "the index gives the newest calls in order"
    holds = plan(db, "SELECT id FROM holds WHERE released_at IS NULL AND recording_id IN (1, 2)", [])
    assert "holds_active" in holds
    tomb = plan(db, TOMBSTONE, {"id": 1, "now": "x"})
    assert "SCAN" not in tomb
