"""An exclusive lock file, so that two runs of one job never overlap."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from gyomu_cli.errors import Locked


@contextlib.contextmanager
def exclusive(path: Path, busy: Callable[[str], str], wait: float = 0.0) -> Iterator[None]:
    """Hold `path` locked; when another process holds it, Locked with `busy(pid)` as the message."""
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
                    raise Locked(busy(holder)) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
