"""An exclusive lock file, so that two runs of one job never overlap."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from gyomu_cli.errors import Locked
from gyomu_cli.i18n import _


@contextlib.contextmanager
def exclusive(path: Path, what: str, wait: float = 0.0) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    raise Locked(
                        _("another {what} is running (pid {pid}); wait for it, or pass --wait SECONDS").format(what=what, pid=holder)
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
