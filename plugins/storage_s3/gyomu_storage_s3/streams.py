"""File-like wrappers: one hashes what is uploaded, one reads what is downloaded."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import BinaryIO

from gyomu_cli.errors import GyomuError
from gyomu_storage_s3.failures import FAILURES


class HashingReader:
    """Hands the source's bytes to the uploader, hashing and counting them in order.

    It offers only read(): the uploader then treats the source as a stream,
    reads it once from start to end and never seeks back, so the digest is
    that of exactly the bytes sent.
    """

    def __init__(self, source: BinaryIO):
        self._source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        if chunk:
            self.digest.update(chunk)
            self.size += len(chunk)
        return chunk


class BodyReader(io.RawIOBase):
    """An S3 response body as a raw stream whose failures are gyomu errors."""

    def __init__(self, body, fail: Callable[[Exception], GyomuError]):
        self._body = body
        self._fail = fail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            return self._body.readinto(buffer)
        except FAILURES as error:
            raise self._fail(error) from None

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
