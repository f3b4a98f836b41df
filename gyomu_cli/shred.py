"""Overwrite a file's bytes before unlinking it (Art. 6-2: erasure by overwriting)."""

from __future__ import annotations

import os
from pathlib import Path

CHUNK = 1 << 20


def overwrite(fd: int) -> None:
    """Zero every byte of the open file `fd` from its start and flush it to disk."""
    remaining = os.fstat(fd).st_size
    os.lseek(fd, 0, os.SEEK_SET)
    zeros = bytes(min(CHUNK, remaining))
    while remaining > 0:
        remaining -= os.write(fd, zeros[: min(CHUNK, remaining)])
    os.fsync(fd)


def overwrite_and_unlink(path: Path) -> bool:
    """Zero the file's content, flush it to disk, then unlink; False if absent."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        overwrite(fd)
    finally:
        os.close(fd)
    path.unlink()
    return True
