"""gyomu verify checks stored documents (written requests, opinions) as it checks recordings."""

import hashlib
import json
import sqlite3

import pytest

from gyomu_cli.errors import ExitCode
from test_requests import new_request, office  # noqa: F401  (the fixture)


def documents(home) -> list[tuple[int, str, str]]:
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute(
            "SELECT id, storage_key, storage_backend FROM documents WHERE storage_key IS NOT NULL ORDER BY id"
        ).fetchall()


def last_verified(home) -> dict:
    with sqlite3.connect(home / "ledger.db") as db:
        [detail] = db.execute("SELECT detail FROM audit WHERE action = 'storage.verified' ORDER BY seq DESC LIMIT 1").fetchone()
    return json.loads(detail)


@pytest.fixture
def filed(office, home):  # noqa: F811
    """Two recordings, and on file a written request and the responsible head's written opinion."""
    assert new_request(office, "yamada", "--recording", "1").exit_code == 0
    given = office("--as", "suzuki", "request", "opinion", "1", "--by", "tanaka", "--agree", "--document", office.form)
    assert given.exit_code == 0, given.stderr
    assert len(documents(home)) == 2
    return office


def test_a_clean_home_with_documents_passes(filed, home):
    assert (filed("verify").exit_code, filed("verify").stdout) == (0, "")
    assert (filed("verify", "--deep").exit_code, filed("verify", "--deep").stdout) == (0, "")
    report = json.loads(filed("verify", "--deep", "--json").stdout)
    assert (report["checked"], report["documents_checked"], report["findings"]) == (2, 2, [])
    with sqlite3.connect(home / "ledger.db") as db:
        stored = db.execute(
            "SELECT (SELECT sum(size) FROM recordings WHERE state = 'stored') + (SELECT sum(size) FROM documents)"
        ).fetchone()[0]
    assert report["bytes"] == stored
    assert last_verified(home)["documents_checked"] == 2


def test_an_altered_document_is_found(filed, home):
    [(first, key, _), _second] = documents(home)
    path = home / "objects" / key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    result = filed("verify")
    assert result.exit_code == ExitCode.INTEGRITY
    assert result.stdout.startswith(f"altered: {key} (document {first}): SHA-256 ")
    assert len(result.stdout.splitlines()) == 1, "the recordings and the other document are fine"
    assert result.stderr == "Verified 2 stored recordings and 2 stored documents: 1 problem(s).\n"
    [finding] = json.loads(filed("verify", "--json").stdout)["findings"]
    assert (finding["problem"], finding["key"], finding["document_id"], finding["recording_id"]) == (
        "altered", key, first, None)
    audited = last_verified(home)
    assert (audited["documents"], audited["recordings"], audited["problems"]) == ([first], [], {"altered": 1})


def test_a_document_cut_short_is_found(filed, home):
    [_first, (second, key, _)] = documents(home)
    path = home / "objects" / key
    path.write_bytes(path.read_bytes()[:-16])
    result = filed("verify", "--json")
    assert result.exit_code == ExitCode.INTEGRITY
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["problem"], finding["document_id"]) == ("altered", second)


def test_a_deleted_document_is_missing_not_orphaned(filed, home):
    [_first, (second, key, _)] = documents(home)
    (home / "objects" / key).unlink()
    result = filed("verify")
    assert (result.exit_code, result.stdout) == (
        ExitCode.INTEGRITY,
        f"missing: {key} (document {second}): the ledger names it, the store does not hold it\n",
    )
    assert json.loads(filed("verify", "--json").stdout)["problems"] == {"missing": 1}


def test_deep_verify_decrypts_documents(filed, home):
    """A byte flipped and the recorded hash and size rewritten to match: only decrypting tells."""
    [(first, key, _), _second] = documents(home)
    path = home / "objects" / key
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))
    with sqlite3.connect(home / "ledger.db") as db:
        db.execute("UPDATE documents SET sha256 = ?, size = ? WHERE id = ?",
                   [hashlib.sha256(bytes(data)).hexdigest(), len(data), first])
    assert filed("verify").exit_code == 0
    deep = filed("verify", "--deep")
    assert deep.exit_code == ExitCode.INTEGRITY
    assert deep.stdout.startswith(f"undecryptable: {key} (document {first}): ")
    assert "does not authenticate" in deep.stdout
    [finding] = json.loads(filed("verify", "--deep", "--json").stdout)["findings"]
    assert (finding["problem"], finding["document_id"]) == ("undecryptable", first)


def test_documents_are_checked_in_the_storage_that_holds_them(filed, home, tmp_path):
    added = filed("storage", "add", "disk2", "--backend", "local", "--option", f"path={tmp_path / 'disk2'}")
    assert added.exit_code == 0, added.stderr
    assert filed("storage", "use", "disk2").exit_code == 0
    assert new_request(filed, "tanaka", "--recording", "2").exit_code == 0
    [*_, (third, key, storage)] = documents(home)
    assert storage == "disk2"
    local = json.loads(filed("verify", "--storage", "local", "--json").stdout)
    elsewhere = json.loads(filed("verify", "--storage", "disk2", "--json").stdout)
    assert (local["documents_checked"], elsewhere["documents_checked"]) == (2, 1)

    (tmp_path / "disk2" / key).write_bytes(b"not what was stored")
    result = filed("verify", "--storage", "disk2")
    assert result.exit_code == ExitCode.INTEGRITY
    assert result.stdout.startswith(f"altered: {key} (document {third}): ")
    assert filed("verify", "--storage", "local").exit_code == 0
