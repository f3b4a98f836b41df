"""Registering media files as recordings: probe, store, hash, ledger.

One file is one recording. It is read whole before anything is written; it is
stored before it is registered; and if registering fails the stored copy is
erased again, so a file is either fully indexed or not at all. Indexing the
same bytes twice finds the first registration and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from gyomu_cli import clock, media, objects, plugins, registry, retention
from gyomu_cli.backends import CallCapture
from gyomu_cli.errors import IntegrityError, MediaError, NotFound, StorageError, UsageError
from gyomu_cli.events import RecordingStored
from gyomu_cli.i18n import N_, _
from gyomu_cli.session import Session
from gyomu_cli.shred import overwrite_and_unlink

log = logging.getLogger(__name__)

NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
ANONYMOUS = {"anonymous", "unknown", "private", ""}
SOURCE_FILE = "file"
NOT_A_NUMBER = {
    "caller": N_("caller number {text!r} is not a phone number; use digits, e.g. 0586281234"),
    "callee": N_("callee number {text!r} is not a phone number; use digits, e.g. 0586281234"),
    "--number": N_("--number {text!r} is not a phone number; use digits, e.g. 0586281234"),
}


@dataclass
class Item:
    """One file to index, with the facts the file itself does not carry."""

    path: Path
    device: str
    started_at: str | None = None
    caller: str | None = None
    callee: str | None = None
    direction: str | None = None
    section: str | None = None
    notice_id: int | None = None  # the announcement an on-demand recording was made under


@dataclass
class Outcome:
    path: Path
    recording_id: int
    new: bool


def normalise_number(text: str | None, what: str) -> str | None:
    """Digits as the PBX writes them; hyphens and spaces typed by people dropped.

    `what` names the number in a refusal: "caller", "callee" or "--number".
    """
    if text is None:
        return None
    value = re.sub(r"[\s\-()]", "", text)
    if value.lower() in ANONYMOUS:
        return "anonymous"
    if not NUMBER.fullmatch(value):
        raise UsageError(_(NOT_A_NUMBER[what]).format(text=text))
    return value


def read_manifest(path: Path) -> list[Item]:
    """A CSV with a header: file, device, started_at, caller, callee, direction, section."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as data:
            rows = list(csv.DictReader(data))
    except OSError as error:
        raise UsageError(_("cannot read manifest {path}: {error}").format(path=path, error=error.strerror)) from None
    if not rows or "file" not in rows[0] or "device" not in rows[0]:
        raise UsageError(_("manifest {path} needs a header line with at least: file,device").format(path=path))
    items = []
    for line, row in enumerate(rows, start=2):
        if not row.get("file") or not row.get("device"):
            raise UsageError(_("manifest {path} line {line}: file and device are required").format(path=path, line=line))
        items.append(
            Item(
                path=(path.parent / row["file"]).absolute(),
                device=row["device"],
                started_at=row.get("started_at") or None,
                caller=row.get("caller") or None,  # an empty cell is not a number: write "anonymous"
                callee=row.get("callee") or None,
                direction=row.get("direction") or None,
                section=row.get("section") or None,
            )
        )
    return items


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as data:
            while chunk := data.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        raise UsageError(_("{path} does not exist").format(path=path)) from None
    except IsADirectoryError:
        raise UsageError(_("{path} is a folder; name the media files in it").format(path=path)) from None
    except OSError as error:
        raise UsageError(_("cannot read {path}: {error}").format(path=path, error=error.strerror)) from None
    return digest.hexdigest()


class Indexer:
    """Indexes files one at a time into one session's ledger and store."""

    def __init__(self, session: Session, *, erase_source: bool = False):
        self.session = session
        self.erase_source = erase_source
        self._devices: dict[str, dict] = {}

    def _device(self, name: str) -> dict:
        if name not in self._devices:
            self._devices[name] = registry.get_device(self.session, name)
        device = self._devices[name]
        if not device["active"]:
            raise UsageError(_("device {name} is retired; recordings are no longer indexed to it").format(name=name))
        return device

    def index(self, item: Item) -> Outcome:
        device = self._device(item.device)
        kind = registry.DEVICE_KINDS[device["kind"]]
        source_sha = file_sha256(item.path)
        existing = self.session.ledger.one(
            "SELECT id FROM recordings WHERE source = ? AND source_ref = ?",
            [SOURCE_FILE, source_sha],
        )
        if existing:
            return Outcome(item.path, existing["id"], new=False)

        found = media.probe(item.path)
        facts = self._facts(item, device, kind, found)
        row = self._store(item.path, kind, found, facts)
        row.update(source=SOURCE_FILE, source_ref=source_sha, source_sha256=source_sha)
        recording_id = self._register(row, device)
        if self.erase_source:
            self._erase_source(item.path, recording_id)
        return Outcome(item.path, recording_id, new=True)

    def ingest_call(self, device_name: str, call: CallCapture) -> Outcome:
        """Register one call a PBX backend handed over; idempotent on its source_ref."""
        device = self._device(device_name)
        if device["kind"] != "phone-line":
            raise UsageError(
                _("device {name} is a {kind}; PBX calls go to a phone-line device").format(name=device_name, kind=device["kind"])
            )
        source = f"pbx:{device['name']}"
        existing = self.session.ledger.one(
            "SELECT id FROM recordings WHERE source = ? AND source_ref = ?", [source, call.source_ref]
        )
        label = call.audio or Path(call.source_ref)
        if existing:
            return Outcome(label, existing["id"], new=False)

        if call.direction not in ("in", "out"):  # a backend's mistake: the call is set aside, not the ledger blamed
            raise UsageError(_("the PBX backend gave direction {direction!r} for {ref}; it must be in or out").format(
                direction=call.direction, ref=call.source_ref))
        tz = self.session.tz
        started = call.started_at.astimezone(dt.timezone.utc)
        row = {
            "kind": "call",
            "started_at": clock.to_db(started),
            "ended_at": clock.to_db(call.ended_at),
            "started_month": started.astimezone(tz).strftime("%Y-%m"),
            "duration": round((call.ended_at - call.started_at).total_seconds(), 3),
            "retain_until": clock.to_db(retention.retain_until(started, device["retention_months"], tz)),
            "caller": normalise_number(call.caller, "caller"),
            "callee": normalise_number(call.callee, "callee"),
            "direction": call.direction,
            "section_id": self._section_for(call, device),
            "device_id": device["id"],
            "source": source,
            "source_ref": call.source_ref,
        }
        facts = dict(call.facts)
        if call.answered_at is not None:
            facts["answered_at"] = clock.to_db(call.answered_at)
        if call.talk_seconds is not None:
            facts["talk_seconds"] = call.talk_seconds
        if call.audio is not None:
            row["source_sha256"] = file_sha256(call.audio)
            found = media.probe(call.audio)
            row = self._store(call.audio, "call", found, row)
            row["media"] = json.dumps(dict(json.loads(row["media"]), pbx=facts), ensure_ascii=False)
        else:
            row["media"] = json.dumps({"audio": None, "pbx": facts}, ensure_ascii=False)
        recording_id = self._register(row, device)
        if call.audio is not None:
            self._verify_stored(recording_id, call.audio)
        return Outcome(label, recording_id, new=True)

    def _section_for(self, call: CallCapture, device: dict) -> int:
        if call.section:
            try:
                return registry.section_id(self.session, call.section)
            except NotFound:
                log.warning(
                    _("section {section} (from the extension map) is not registered; the call goes to {fallback}").format(
                        section=call.section, fallback=device["section"]
                    )
                )
        return registry.section_id(self.session, device["section"])

    def _facts(self, item: Item, device: dict, kind: str, found: media.Media) -> dict:
        if kind == "call" and found.kind != "audio":
            raise MediaError(
                _("{path} holds video; phone line {device} records calls, index audio files to it").format(
                    path=item.path, device=device["name"]
                )
            )
        tz = self.session.tz
        if item.started_at:
            started = clock.parse(item.started_at, tz, "--started-at")
        elif kind == "image" and found.created:
            started = found.created.astimezone(dt.timezone.utc)
        else:
            raise UsageError(
                _("{path}: give --started-at (or a manifest's started_at column); the file carries no start time").format(path=item.path)
            )
        row = {
            "kind": kind,
            "started_at": clock.to_db(started),
            "ended_at": clock.to_db(started + dt.timedelta(seconds=found.duration)),
            "started_month": started.astimezone(tz).strftime("%Y-%m"),
            "duration": round(found.duration, 3),
            "retain_until": clock.to_db(
                retention.retain_until(started, device["retention_months"], tz)
            ),
        }
        if kind == "call":
            if item.caller is None or item.callee is None:
                raise UsageError(
                    _("{path}: a call record names both parties (Art. 2): give --caller and --callee (anonymous if withheld)").format(
                        path=item.path
                    )
                )
            row["caller"] = normalise_number(item.caller, "caller")
            row["callee"] = normalise_number(item.callee, "callee")
        if item.direction:
            if item.direction not in ("in", "out"):
                raise UsageError(_("direction {direction!r} is in or out").format(direction=item.direction))
            row["direction"] = item.direction
        section = item.section or device["section"]
        row["section_id"] = registry.section_id(self.session, section)
        row["device_id"] = device["id"]
        row["notice_id"] = item.notice_id
        return row

    def _store(self, path: Path, kind: str, found: media.Media, row: dict) -> dict:
        facts = dict(found.facts, format=found.format)
        source, suffix, tmp = path, path.suffix, None
        try:
            if found.kind == "audio":
                to_flac = (
                    kind == "call"
                    and self.session.home.settings.calls_store_as == "flac"
                    and found.format != "FLAC"
                    and media.flac_holds_exactly(path)
                )
                if to_flac:
                    tmp = self.session.home.tmp / f"{uuid.uuid4().hex}.flac"
                    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                    row["pcm_sha256"] = media.pcm_sha256(path, copy_to=tmp)
                    if media.pcm_sha256(tmp) != row["pcm_sha256"]:
                        raise MediaError(_("{path}: the FLAC copy does not hold the same samples; not indexed").format(path=path))
                    facts["stored_as"] = "FLAC"
                    source, suffix = tmp, ".flac"
                else:
                    row["pcm_sha256"] = media.pcm_sha256(path)
            retain = clock.from_db(row["retain_until"]) if row.get("retain_until") else None
            row.update(objects.put_encrypted(self.session, objects.new_key(kind, suffix), source, retain))
        finally:
            if tmp is not None:
                overwrite_and_unlink(tmp)
        row["media"] = json.dumps(facts, ensure_ascii=False)
        return row

    def _register(self, row: dict, device: dict) -> int:
        row["created_at"] = clock.to_db(clock.now())
        try:
            with self.session.write() as db:
                recording_id = db["recordings"].insert(row).last_pk
                self.session.audit(
                    "recording.indexed",
                    f"recording:{recording_id}",
                    kind=row["kind"],
                    device=device["name"],
                    size=row.get("size"),
                )
        except BaseException:
            if row.get("storage_key"):
                try:
                    self.session.storage_named(row["storage_backend"]).erase(row["storage_key"])
                except StorageError as error:
                    log.error(_("{key} stays in the store until it may be erased: {error}").format(key=row["storage_key"], error=error))
            raise
        section = self.session.ledger.one(
            "SELECT name FROM sections WHERE id = ?", [row["section_id"]]
        )["name"]
        plugins.notify(
            "recording_stored",
            RecordingStored(recording_id, row["kind"], device["name"], section, row.get("size") or 0),
        )
        return recording_id

    def _verify_stored(self, recording_id: int, path: Path) -> None:
        """Read the stored copy back; it must hash as registered before the source may go."""
        stored = self.session.ledger.one(
            "SELECT storage_key, storage_backend, sha256 FROM recordings WHERE id = ?", [recording_id]
        )
        store = self.session.storage_named(stored["storage_backend"])
        if store.stat(stored["storage_key"]).sha256 != stored["sha256"]:
            raise IntegrityError(
                _("{path}: the stored copy of recording {recording} did not verify; the source was kept").format(
                    path=path, recording=recording_id
                )
            )

    def _erase_source(self, path: Path, recording_id: int) -> None:
        self._verify_stored(recording_id, path)
        overwrite_and_unlink(path)
        log.info(_("erased source {path} after verifying recording {recording}").format(path=path, recording=recording_id))

