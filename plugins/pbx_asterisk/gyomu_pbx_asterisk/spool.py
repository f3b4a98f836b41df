"""MixMonitor's recordings in the spool, and when one is finished.

Files are named by the dialplan; gyomu matches a file to its call by the
uniqueid at the end of its name (FreePBX: in-<dest>-<from>-YYYYMMDD-HHMMSS-
<uniqueid>.wav under YYYY/MM/DD/; plain: <uniqueid>.wav), optionally
followed by a direction for r()/t() recordings (-r/-t, -in/-out, -rx/-tx).

While MixMonitor records, the WAV header's RIFF and data sizes are 0; they are
written when the file closes. A file counts as finished when its RIFF size is
its length minus 8 and it has not changed for the settle time.
"""

from __future__ import annotations

import os
import re
import struct
import time
from dataclasses import dataclass
from pathlib import Path

NAME = re.compile(r"(?P<uid>\d{6,}\.\d+)(?:-(?P<part>r|t|in|out|rx|tx))?$", re.IGNORECASE)
AUDIO = {".wav", ".wav16", ".gsm", ".flac", ".sln"}
RECEIVED = {"r", "in", "rx"}  # on the trunk channel: what the caller said
SENT = {"t", "out", "tx"}  # on the trunk channel: what the staff member said
EMPTY_WAV = 44


@dataclass(frozen=True)
class Recording:
    path: Path
    uniqueid: str
    part: str | None  # None for a mixed recording, else "received" or "sent"


def walk(spool: Path) -> dict[str, list[Recording]]:
    """Every recording under the spool, by uniqueid."""
    found: dict[str, list[Recording]] = {}
    for folder, _, names in os.walk(spool):
        for name in names:
            path = Path(folder, name)
            if path.suffix.lower() not in AUDIO:
                continue
            match = NAME.search(path.stem)
            if not match:
                continue
            part = (match.group("part") or "").lower()
            side = "received" if part in RECEIVED else "sent" if part in SENT else None
            found.setdefault(match.group("uid"), []).append(Recording(path, match.group("uid"), side))
    return found


def state(path: Path, settle: float, now: float | None = None) -> str:
    """'recording', 'settling', 'empty' (a header and no audio) or 'finished'."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "gone"
    if path.suffix.lower() in (".wav", ".wav16"):
        with open(path, "rb") as data:
            head = data.read(12)
        if len(head) < 12 or head[:4] != b"RIFF":
            return "recording" if info.st_size < 12 else "finished"  # let the reader judge it
        riff = struct.unpack("<I", head[4:8])[0]
        if riff == 0 or riff + 8 != info.st_size:
            return "recording"
    if (now or time.time()) - info.st_mtime < settle:
        return "settling"
    if info.st_size <= EMPTY_WAV and path.suffix.lower() in (".wav", ".wav16"):
        return "empty"
    return "finished"
