"""Errors the services raise and the exit codes the command line turns them into.

The services raise; the command line speaks. Each error carries one line that
says what was wrong and what to do, and the exit code that a script or cron
can act on.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # everything asked was done
    FAILED = 1  # the command could not do what was asked; nothing was changed
    USAGE = 2  # bad input: an argument, an option, a file, a date
    NOT_READY = 3  # no gyomu home here, or its configuration is invalid
    REFUSED = 4  # the regulation or a permission forbids it
    LOCKED = 5  # another run holds the lock (purge from cron overlapping)
    PARTIAL = 6  # some items were done, others failed: see the messages
    STORAGE = 7  # storage unavailable or full: nothing new was written
    INTEGRITY = 8  # stored data does not match the ledger's hashes


class GyomuError(Exception):
    """Base of every error that reaches the user as one line."""

    exit_code = ExitCode.FAILED


class UsageError(GyomuError):
    """Bad input: the message says which and what to give instead."""

    exit_code = ExitCode.USAGE


class NotFound(UsageError):
    """A named section, device, recording or hold does not exist."""


class AlreadyExists(UsageError):
    """A name that must be unique is taken."""


class MediaError(UsageError):
    """A media file cannot be read, is damaged or is still being written."""


class NotInitialised(GyomuError):
    """The gyomu home does not exist or holds no ledger."""

    exit_code = ExitCode.NOT_READY


class ConfigError(GyomuError):
    """The configuration file is invalid."""

    exit_code = ExitCode.NOT_READY


class Refused(GyomuError):
    """The regulation forbids what was asked; the message names the article."""

    exit_code = ExitCode.REFUSED


class Locked(GyomuError):
    """Another process holds the lock."""

    exit_code = ExitCode.LOCKED


class StorageError(GyomuError):
    """The storage backend failed; nothing was registered."""

    exit_code = ExitCode.STORAGE


class StorageFull(StorageError):
    """No space left: new recordings are not written, stored ones are kept."""


class ObjectMissing(StorageError):
    """The storage backend has no object under the key."""


class IntegrityError(GyomuError):
    """Stored bytes do not match what the ledger recorded."""

    exit_code = ExitCode.INTEGRITY
