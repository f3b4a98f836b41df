"""What the backend remembers between scans, in one JSON file in state_dir.

- done: calls gyomu has stored, by call_id, with the day file they came from;
  the CSV keeps their rows, and without this they would be offered again.
- aside: calls gyomu could not register, with the reason, for an operator.
- reported: problems already logged, with the file each is about, so that
  a capture service scanning every few seconds reports each problem once.

It holds no phone numbers, only the PBX's call ids.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class State:
    def __init__(self, path: Path):
        self.path = path
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            saved = {}
        self.done: dict[str, str] = saved.get("done", {})
        self.aside: dict[str, str] = saved.get("aside", {})
        self.reported: dict[str, str] = saved.get("reported", {})

    def report_once(self, problem: str, subject: str) -> bool:
        """True the first time a problem is seen, so the caller logs it once.

        subject is the file the problem is about (a day file or a WAV), so
        that the note is forgotten with the file.
        """
        if problem in self.reported:
            return False
        self.reported[problem] = subject
        return True

    def forget_files_gone(self, present: set[str]) -> None:
        # Once the PBX has removed a day file its rows cannot come back, so the
        # calls and problems it held need not be remembered any more.
        self.done = {call: day for call, day in self.done.items() if day in present}
        self.reported = {
            key: name for key, name in self.reported.items() if name in present
        }

    def save(self) -> None:
        """Replace the file atomically: a crash leaves the old state or the new one.

        Written owner-only, like everything under the gyomu home, and flushed
        to disk before the rename: acknowledge saves a call as done before it
        erases the WAV, so after a power cut the call is known as done even
        if its WAV is already gone.
        """
        data = {"done": self.done, "aside": self.aside, "reported": self.reported}
        partial = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)
