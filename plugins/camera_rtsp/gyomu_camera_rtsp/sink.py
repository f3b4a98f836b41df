"""The file a segment is written to, which remembers the first write error.

FFmpeg does not report every failed write: with PyAV 18 writing to a path, a
segment closed on a full disk raised nothing and was left truncated, looking
whole. The muxer therefore writes through this object instead, so every write
the kernel refuses is known.
"""

from __future__ import annotations

import os


class Sink:
    """An unbuffered, seekable binary file on an open descriptor, for PyAV."""

    def __init__(self, fd: int):
        self.file = os.fdopen(fd, "wb", buffering=0)
        self.error: OSError | None = None

    def write(self, data) -> int:
        view = memoryview(data)
        try:
            while view:
                view = view[self.file.write(view) :]
        except OSError as error:
            self.error = self.error or error
            raise
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def flush(self) -> None:
        """Nothing is buffered here."""

    def sync(self) -> None:
        """Put the bytes on the disk; a full disk may only say so now."""
        try:
            os.fsync(self.file.fileno())
        except OSError as error:
            self.error = self.error or error
            raise

    def close(self) -> None:
        self.file.close()
