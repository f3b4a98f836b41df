"""The ledger's schema, as numbered migrations applied in order.

A migration is never edited once released: change the schema by adding the
next number. Times are UTC text of fixed width (see clock.to_db).
"""

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("gyomu")


def _run(db: Database, script: str) -> None:
    """Run statements one by one, inside the migration's transaction.

    sqlite3's executescript() would commit first and break the atomicity.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete statement in migration: {pending.strip()[:60]}")


@migrations()
def m001_core(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE sections (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            section_id INTEGER NOT NULL REFERENCES sections(id),
            roles TEXT NOT NULL DEFAULT '',
            password_hash TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );

        CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('phone-line', 'camera')),
            section_id INTEGER NOT NULL REFERENCES sections(id),
            location TEXT NOT NULL,
            purpose TEXT NOT NULL,
            on_demand INTEGER NOT NULL DEFAULT 0,
            backend TEXT,
            options TEXT NOT NULL DEFAULT '{}',
            retention_months INTEGER,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            retired_at TEXT
        );

        -- One row per recording. When a recording is erased the row stays as a
        -- tombstone: the personal fields (numbers, exact times, hashes, media
        -- facts, storage key) are set to NULL, leaving what the yearly report
        -- counts: kind, device, section, direction, month started, erasure.
        CREATE TABLE recordings (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('call', 'image')),
            device_id INTEGER NOT NULL REFERENCES devices(id),
            section_id INTEGER NOT NULL REFERENCES sections(id),
            started_month TEXT NOT NULL,
            direction TEXT CHECK (direction IN ('in', 'out')),
            state TEXT NOT NULL DEFAULT 'stored' CHECK (state IN ('stored', 'erased')),
            created_at TEXT NOT NULL,
            erased_at TEXT,
            -- personal or identifying, dropped at erasure
            started_at TEXT,
            ended_at TEXT,
            duration REAL,
            caller TEXT,
            callee TEXT,
            retain_until TEXT,
            storage_backend TEXT,
            storage_key TEXT,
            size INTEGER,
            sha256 TEXT,
            source_sha256 TEXT,
            pcm_sha256 TEXT,
            media TEXT,
            source TEXT,
            source_ref TEXT
        );
        CREATE UNIQUE INDEX recordings_source ON recordings(source, source_ref);
        CREATE INDEX recordings_started ON recordings(started_at);
        CREATE INDEX recordings_device_started ON recordings(device_id, started_at);
        CREATE INDEX recordings_caller ON recordings(caller) WHERE caller IS NOT NULL;
        CREATE INDEX recordings_callee ON recordings(callee) WHERE callee IS NOT NULL;
        CREATE INDEX recordings_due ON recordings(retain_until) WHERE state = 'stored';
        CREATE INDEX recordings_month ON recordings(started_month, kind);

        -- What keeps a recording from erasure, and why.
        CREATE TABLE holds (
            id INTEGER PRIMARY KEY,
            recording_id INTEGER NOT NULL REFERENCES recordings(id),
            reason TEXT NOT NULL CHECK (
                reason IN ('request', 'disclosure', 'dispute', 'manual')
            ),
            note TEXT NOT NULL DEFAULT '',
            ref TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            released_at TEXT,
            released_by TEXT
        );
        CREATE INDEX holds_active ON holds(recording_id) WHERE released_at IS NULL;

        -- Append-only: every state change and every refusal, each event
        -- carrying the hash of the one before it.
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            acting_as TEXT,
            command TEXT NOT NULL,
            action TEXT NOT NULL,
            object TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
            detail TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_at ON audit(at);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )


@migrations()
def m002_encryption(db: Database) -> None:
    _run(
        db,
        """
        -- Facts about the ledger itself, e.g. the master key's fingerprint.
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- The object key, wrapped by the master key; dropped at erasure.
        ALTER TABLE recordings ADD COLUMN wrapped_key TEXT;
        -- SHA-256 of the plaintext that was encrypted; dropped at erasure.
        ALTER TABLE recordings ADD COLUMN plain_sha256 TEXT;
        CREATE INDEX recordings_storage_key ON recordings(storage_key) WHERE storage_key IS NOT NULL;
        """,
    )


@migrations()
def m003_requests(db: Database) -> None:
    _run(
        db,
        """
        -- Written requests, opinions, decisions, receipts: stored like recordings.
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            reference TEXT,
            storage_backend TEXT,
            storage_key TEXT,
            wrapped_key TEXT,
            size INTEGER,
            sha256 TEXT,
            plain_sha256 TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE INDEX documents_storage_key ON documents(storage_key) WHERE storage_key IS NOT NULL;

        -- Art. 8: a section head's written request to view recordings.
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            requester_id INTEGER NOT NULL REFERENCES users(id),
            section_id INTEGER NOT NULL REFERENCES sections(id),
            purpose TEXT NOT NULL CHECK (purpose IN ('dispute', 'business')),
            reason TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN (
                'submitted', 'awaiting-opinion', 'opinion-given', 'granted', 'denied', 'closed')),
            document_id INTEGER REFERENCES documents(id),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            decided_at TEXT,
            decided_by TEXT,
            decision TEXT,
            decision_reason TEXT,
            closed_at TEXT,
            closed_by TEXT
        );
        CREATE INDEX requests_state ON requests(state);

        -- What a request asks to see: a recording, a range of it, maybe one party.
        CREATE TABLE request_items (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            recording_id INTEGER NOT NULL REFERENCES recordings(id),
            start_offset REAL NOT NULL,
            end_offset REAL NOT NULL,
            channel INTEGER
        );
        CREATE INDEX request_items_request ON request_items(request_id);

        -- Art. 8-3: the responsible section head's opinion; it does not decide.
        CREATE TABLE opinions (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            section_id INTEGER NOT NULL REFERENCES sections(id),
            user_id INTEGER NOT NULL REFERENCES users(id),
            agree INTEGER NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            document_id INTEGER REFERENCES documents(id),
            created_at TEXT NOT NULL
        );

        -- Each viewing: who viewed, who operated, when, which excerpt, where it went.
        CREATE TABLE viewings (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            item_id INTEGER NOT NULL REFERENCES request_items(id),
            viewer_id INTEGER NOT NULL REFERENCES users(id),
            operator TEXT NOT NULL,
            at TEXT NOT NULL,
            path TEXT,
            sha256 TEXT,
            erased_at TEXT
        );
        CREATE INDEX viewings_copies ON viewings(at) WHERE erased_at IS NULL AND path IS NOT NULL;
        """,
    )


@migrations()
def m004_disclosures(db: Database) -> None:
    _run(
        db,
        """
        -- Art. 9-12: recordings handed to a third party, on one basis, until returned.
        CREATE TABLE disclosures (
            id INTEGER PRIMARY KEY,
            basis TEXT NOT NULL,
            recipient TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'return-requested', 'closed')),
            document_id INTEGER REFERENCES documents(id),
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            mayor_decided_by TEXT,
            mayor_decided_at TEXT,
            package_path TEXT,
            package_sha256 TEXT,
            received_on TEXT,
            due_on TEXT,
            extension_reason TEXT,
            return_requested_at TEXT,
            return_request_document_id INTEGER REFERENCES documents(id),
            returned_at TEXT,
            returned_how TEXT,
            return_document_id INTEGER REFERENCES documents(id),
            closed_at TEXT,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX disclosures_state ON disclosures(state);

        CREATE TABLE disclosure_items (
            id INTEGER PRIMARY KEY,
            disclosure_id INTEGER NOT NULL REFERENCES disclosures(id),
            recording_id INTEGER NOT NULL REFERENCES recordings(id),
            start_offset REAL NOT NULL,
            end_offset REAL NOT NULL,
            channel INTEGER,
            file TEXT,
            sha256 TEXT
        );
        CREATE INDEX disclosure_items_disclosure ON disclosure_items(disclosure_id);
        """,
    )


@migrations()
def m005_number_lookup(db: Database) -> None:
    """Calls of one number, newest first, straight from the index (no sort of them all)."""
    _run(
        db,
        """
        DROP INDEX recordings_caller;
        DROP INDEX recordings_callee;
        CREATE INDEX recordings_caller ON recordings(caller, started_at) WHERE caller IS NOT NULL;
        CREATE INDEX recordings_callee ON recordings(callee, started_at) WHERE callee IS NOT NULL;
        """,
    )


@migrations()
def m006_notices(db: Database) -> None:
    _run(
        db,
        """
        -- Art. 4-2: an on-demand device announces that it records before it starts.
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices(id),
            user_id INTEGER NOT NULL REFERENCES users(id),
            how TEXT NOT NULL,
            at TEXT NOT NULL,
            used_at TEXT
        );
        ALTER TABLE recordings ADD COLUMN notice_id INTEGER REFERENCES notices(id);
        -- Options that carry credentials (a camera URL's password), sealed by the master key.
        ALTER TABLE devices ADD COLUMN sealed_options TEXT;
        """,
    )


@migrations()
def m007_storages(db: Database) -> None:
    _run(
        db,
        """
        -- Named storages beside the one gyomu.toml configures (named after its
        -- backend, "local" by default). recordings.storage_backend and
        -- documents.storage_backend hold a storage's name.
        CREATE TABLE storages (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            backend TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            current INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX recordings_storage ON recordings(storage_backend, id) WHERE state = 'stored';
        """,
    )
