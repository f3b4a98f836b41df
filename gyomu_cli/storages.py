"""Where stored objects live: the configured storage and named others.

gyomu.toml's [storage] names the first storage (after its backend: "local").
`gyomu storage add` registers more (an S3 store, another disk), `storage use`
makes one current for new objects, and `storage migrate` moves what exists:
copy the encrypted bytes, check the copy's hash, switch the ledger row, and
only then erase the old copy. Run again after an interruption, it continues;
a copy left behind by a crash between switching and erasing is found by its
key and erased.
"""

from __future__ import annotations

import json
import logging

from gyomu_cli import clock, plugins
from gyomu_cli.errors import AlreadyExists, IntegrityError, NotFound, StorageError, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session

log = logging.getLogger(__name__)

PAGE = 200
TABLES = ("recordings", "documents")


def add(session: Session, name: str, backend: str, options: dict) -> dict:
    if not name.strip() or "/" in name:
        raise UsageError(_("storage name {name!r} must be one word, e.g. s3-main").format(name=name))
    if name == session.home.settings.storage_backend or session.ledger.one("SELECT id FROM storages WHERE name = ?", [name]):
        raise AlreadyExists(_("storage {name} already exists").format(name=name))
    factory = plugins.backend_factory("storage", backend)
    store = factory(session.home.root, dict(options))  # refuses bad options now, not at first write
    if hasattr(store, "check"):
        store.check()  # reachable, credentials accepted, bucket and its lock as asked
    with session.write() as db:
        db["storages"].insert({"name": name, "backend": backend, "options": json.dumps(options, ensure_ascii=False),
                               "created_at": clock.to_db(clock.now())})
        session.audit("storage.added", f"storage:{name}", backend=backend)
    return _describe(name, backend, store, current=False)


def use(session: Session, name: str) -> None:
    session.storage_named(name)  # it must open
    with session.write() as db:
        db.execute("UPDATE storages SET current = 0")
        if name != session.home.settings.storage_backend:
            db.execute("UPDATE storages SET current = 1 WHERE name = ?", [name])
        session.audit("storage.used", f"storage:{name}")
    session.forget_storages()


def _describe(name: str, backend: str, store, current: bool) -> dict:
    info = store.describe() if hasattr(store, "describe") else {}
    return {"name": name, "backend": backend, "current": current, **info}


def list_storages(session: Session) -> list[dict]:
    current = session.current_storage_name
    rows = [{"name": session.home.settings.storage_backend, "backend": session.home.settings.storage_backend}]
    rows += [{"name": r["name"], "backend": r["backend"]} for r in session.db.query("SELECT name, backend FROM storages ORDER BY id")]
    listed = []
    for row in rows:
        count = session.ledger.one(
            "SELECT count(*) AS n FROM recordings WHERE state = 'stored' AND storage_backend = ?", [row["name"]])["n"]
        described = _describe(row["name"], row["backend"], session.storage_named(row["name"]), row["name"] == current)
        listed.append(dict(described, recordings=count))
    return listed


def migrate(session: Session, source: str, target: str, limit: int | None = None) -> dict:
    if source == target:
        raise UsageError(_("--from and --to name the same storage"))
    old, new = session.storage_named(source), session.storage_named(target)
    tally = {"moved": 0, "leftovers_erased": 0}
    tally["leftovers_erased"] += _erase_leftovers(session, source, old)
    for table in TABLES:
        while limit is None or tally["moved"] < limit:
            rows = list(session.db.query(
                f"SELECT * FROM {table} WHERE storage_backend = ? AND storage_key IS NOT NULL"
                + (" AND state = 'stored'" if table == "recordings" else "") + " ORDER BY id LIMIT ?",
                [source, PAGE]))
            if not rows:
                break
            for row in rows:
                if limit is not None and tally["moved"] >= limit:
                    break
                _move(session, table, row, old, new, target)
                tally["moved"] += 1
    return tally


def _move(session: Session, table: str, row: dict, old, new, target: str) -> None:
    key = row["storage_key"]
    retain = clock.from_db(row["retain_until"]) if row.get("retain_until") else None
    if new.exists(key):
        copied = new.stat(key)  # an earlier run copied it, then stopped
    else:
        with old.open(key) as data:
            copied = new.put(key, data, retain_until=retain)
    if copied.sha256 != row["sha256"]:
        raise IntegrityError(
            _("the copy of {key} in {storage} does not match its recorded hash; nothing was switched").format(key=key, storage=target)
        )
    if table == "recordings" and hasattr(new, "legal_hold") and session.ledger.one(
        "SELECT id FROM holds WHERE recording_id = ? AND released_at IS NULL", [row["id"]]
    ):
        new.legal_hold(key, True)
    with session.write() as db:
        db.execute(f"UPDATE {table} SET storage_backend = ? WHERE id = ?", [target, row["id"]])
        session.audit("object.migrated", f"{table[:-1]}:{row['id']}", to=target)
    _erase_old(old, key)


def _erase_old(old, key: str) -> bool:
    """Erase the old copy; a store that locks it until its date keeps it, and says so once."""
    try:
        old.erase(key)
    except StorageError as error:
        log.warning(_("the old copy of {key} stays until its lock ends: {error}").format(key=key, error=error))
        return False
    return True


def _erase_leftovers(session: Session, source: str, old) -> int:
    """Copies in `source` whose rows already point elsewhere: a crash came between switch and erase."""
    erased = 0
    for key in list(old.keys()):
        table = "documents" if key.startswith("doc/") else "recordings"
        row = session.ledger.one(f"SELECT storage_backend, sha256 FROM {table} WHERE storage_key = ?", [key])
        if row and row["storage_backend"] != source:
            if session.storage_named(row["storage_backend"]).stat(key).sha256 == row["sha256"] and _erase_old(old, key):
                erased += 1
                log.warning(_("erased the copy of {key} left in {storage} by an interrupted migration").format(key=key, storage=source))
    return erased


def names(session: Session) -> list[str]:
    return [session.home.settings.storage_backend] + [r["name"] for r in session.db.query("SELECT name FROM storages")]


def require(session: Session, name: str) -> None:
    if name not in names(session):
        raise NotFound(_("no storage named {name!r}; see `gyomu storage list`").format(name=name))
