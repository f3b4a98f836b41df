"""What one Asterisk source remembers between scans, in one JSON file.

- where it stopped reading the CDR (inode, byte offset, line number), so a
  rotated file is finished before the new one is started;
- the rows of conversations not yet handed over;
- which conversations were handed over or set aside, so a re-read CDR or a
  duplicated row offers nothing twice;
- which problems were already reported, so each is reported once.

The file is replaced atomically; it holds numbers of calls not yet stored,
so it is owner-only like everything else under the gyomu home.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from gyomu_pbx_asterisk import cdr
from gyomu_pbx_asterisk.channels import is_local

FORGET_AFTER = 40 * 86400  # handed-over keys are kept this long against re-reads


def _row_to_json(row: cdr.Row) -> dict:
    data = dataclasses.asdict(row)
    for key in ("start", "answer", "end"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def _row_from_json(data: dict) -> cdr.Row:
    for key in ("start", "answer", "end"):
        data[key] = dt.datetime.fromisoformat(data[key]) if data[key] else None
    return cdr.Row(**data)


class State:
    def __init__(self, path: Path):
        self.path = path
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raw = {}
        self.cdr = raw.get("cdr", {"inode": None, "offset": 0, "line": 0})
        self.rows = {conv: [_row_from_json(r) for r in rows] for conv, rows in raw.get("rows", {}).items()}
        self.external = set(raw.get("external", []))
        self.handed = dict(raw.get("handed", {}))
        self.aside = dict(raw.get("aside", {}))
        self.notes = dict(raw.get("notes", {}))
        self.internal = dict(raw.get("internal", {}))  # uniqueid -> when seen

    # the CDR file

    def read_new_lines(self, path: Path) -> Iterator[tuple[int, str]]:
        try:
            info = path.stat()
        except FileNotFoundError:
            # rotated away and not yet opened again: finish the old file meanwhile
            rotated = _find_inode(path.parent, self.cdr["inode"]) if self.cdr["inode"] else None
            if rotated is not None:
                yield from self._read(rotated)
            return
        if self.cdr["inode"] not in (None, info.st_ino):
            rotated = _find_inode(path.parent, self.cdr["inode"])
            if rotated is not None:
                yield from self._read(rotated)
            self.cdr.update(offset=0, line=0)
        elif info.st_size < self.cdr["offset"]:
            self.cdr.update(offset=0, line=0)  # truncated in place (copytruncate)
        self.cdr["inode"] = info.st_ino
        yield from self._read(path)

    def _read(self, path: Path) -> Iterator[tuple[int, str]]:
        with open(path, "rb") as data:
            data.seek(self.cdr["offset"])
            chunk = data.read()
        end = chunk.rfind(b"\n") + 1  # a line still being written waits for the next scan
        for raw in chunk[:end].split(b"\n")[:-1]:
            self.cdr["line"] += 1
            if raw.strip():
                yield self.cdr["line"], raw.decode("utf-8", errors="replace").rstrip("\r")
        self.cdr["offset"] += end

    # rows and conversations

    def add_row(self, row: cdr.Row, external: bool) -> None:
        conv = row.conversation
        if conv in self.handed or conv in self.aside:
            return  # a duplicate, or a row re-read after rotation: absorbed
        if external:
            self.external.add(conv)
        elif not (is_local(row.channel) or is_local(row.dstchannel) or conv in self.external):
            self.internal[row.uniqueid] = time.time()
            return  # an internal call: never kept (Art. 2)
        rows = self.rows.setdefault(conv, [])
        if all(r.key != row.key for r in rows):
            rows.append(row)

    def pending_external(self) -> Iterator[tuple[str, list[cdr.Row]]]:
        for conv in sorted(self.external):
            if conv in self.rows:
                yield conv, self.rows[conv]

    def knows(self, uniqueid: str) -> bool:
        if uniqueid in self.handed or uniqueid in self.aside or uniqueid in self.rows or uniqueid in self.internal:
            return True
        return any(r.uniqueid == uniqueid for rows in self.rows.values() for r in rows)

    def done(self, conv: str) -> None:
        self.rows.pop(conv, None)
        self.external.discard(conv)
        self.handed[conv] = time.time()

    def set_aside(self, conv: str, reason: str) -> None:
        self.rows.pop(conv, None)
        self.external.discard(conv)
        self.aside[conv] = reason

    # problems reported once

    def note_once(self, key: str) -> bool:
        if key in self.notes:
            return False
        self.notes[key] = time.time()
        return True

    def note_bad_line(self, number: int, reason: str) -> bool:
        return self.note_once(f"bad-line:{self.cdr['inode']}:{number}:{reason}")

    def save(self) -> None:
        now = time.time()
        self.handed = {k: t for k, t in self.handed.items() if now - t < FORGET_AFTER}
        self.internal = {k: t for k, t in self.internal.items() if now - t < FORGET_AFTER}
        for conv in [c for c, rows in self.rows.items() if c not in self.external]:
            if now - max(r.end for r in self.rows[conv]).timestamp() > 86400:
                del self.rows[conv]  # internal legs that never joined an external call
        data = {
            "cdr": self.cdr,
            "rows": {c: [_row_to_json(r) for r in rows] for c, rows in self.rows.items()},
            "external": sorted(self.external),
            "handed": self.handed,
            "aside": self.aside,
            "notes": self.notes,
            "internal": self.internal,
        }
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)


def _find_inode(folder: Path, inode: int) -> Path | None:
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_ino == inode:
                return path
        except OSError:
            continue
    return None
