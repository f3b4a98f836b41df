"""Files handed to people (viewing copies, disclosure packages), written to the last byte or not at all.

A muxer writing to a path may close a file cut short on a full disk without
raising, and libsndfile reports a refused write only as "System error.". So
every such file is written through a Sink: it keeps the first error the
kernel gave, and `written()` keeps the file only when no write failed, the
file on disk is as long as what was handed over, and fsync succeeded.
Otherwise the unfinished file is removed and one line says why: StorageFull
when the disk is full, StorageError for any other failure.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from gyomu_cli.errors import StorageError, StorageFull
from gyomu_cli.i18n import _

FULL = (errno.ENOSPC, errno.EDQUOT)


class Sink:
    """An unbuffered, seekable binary file that remembers its first failed write.

    PyAV needs a failed write raised (it passes the error on); libsndfile calls
    back from C, where an exception cannot travel, so with `quiet` a failed
    write returns the bytes it did write and libsndfile sees a short write.
    """

    def __init__(self, path: Path | str, *, quiet: bool = False):
        self.path = Path(path)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.file = os.fdopen(fd, "wb", buffering=0)
        self.quiet = quiet
        self.error: OSError | None = None
        self.end = 0  # one past the furthest byte handed over

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                count = self.file.write(view[done:])
                if not count:
                    raise OSError(errno.EIO, os.strerror(errno.EIO), str(self.path))
                done += count
        except OSError as error:
            self.error = self.error or error
            if not self.quiet:
                raise
        finally:
            self.end = max(self.end, self.file.tell())
        return done

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def flush(self) -> None:
        """Nothing is held back here; fsync comes in `finish`."""

    def finish(self) -> None:
        """Close the file once it is whole and on disk; raise the reason if it is not."""
        try:
            if self.error is not None:
                raise self.error
            try:
                os.fsync(self.file.fileno())
            except OSError as error:
                self.error = error
                raise
            size = os.fstat(self.file.fileno()).st_size
            if size != self.end:
                raise StorageError(
                    _("{path} came out {size} of {expected} bytes long; nothing of it was kept: "
                      "check the free space and the disk of {folder}").format(
                        path=self.path, size=size, expected=self.end, folder=self.path.parent)
                )
        finally:
            self.file.close()

    def discard(self) -> None:
        """Close and remove the file (only ever this sink's own)."""
        self.file.close()
        self.path.unlink(missing_ok=True)


def failure(error: OSError, path: Path) -> StorageError:
    """A failed write to `path` as one line: full, or what else the kernel said."""
    if error.errno in FULL:
        return StorageFull(
            _("no space left in {folder} for {name}; nothing of it was kept: "
              "free space there or choose another --output").format(folder=path.parent, name=path.name)
        )
    return StorageError(
        _("cannot write {path}: {reason}; nothing of it was kept").format(path=path, reason=error.strerror or error)
    )


def if_full(error: OSError, path: Path) -> Exception:
    """StorageFull for a full disk; any other error as it is (a folder or file that could not be made)."""
    return failure(error, path) if error.errno in FULL else error


@contextlib.contextmanager
def written(path: Path | str, *, quiet: bool = False) -> Iterator[Sink]:
    """A Sink on `path`; on leaving, the file is whole on disk, or removed and the reason raised."""
    path = Path(path)
    try:
        sink = Sink(path, quiet=quiet)
    except OSError as error:
        raise failure(error, path) from None
    try:
        yield sink
        sink.finish()
    except BaseException as error:
        sink.discard()
        if sink.error is not None:
            raise failure(sink.error, path) from None
        if isinstance(error, OSError) and error.errno is not None:
            raise failure(error, path) from None
        raise
