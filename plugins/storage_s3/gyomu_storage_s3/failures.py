"""botocore's exceptions turned into gyomu's one-line errors.

No message built here carries a credential: botocore's own messages name the
endpoint and the error code, never the secret, and only those are quoted.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from s3transfer.exceptions import RetriesExceededError

from gyomu_cli.errors import ConfigError, GyomuError, StorageError, StorageFull
from gyomu_cli.i18n import N_
from gyomu_storage_s3.messages import _

# What a call to the store can fail with; anything else is a bug and surfaces.
FAILURES = (BotoCoreError, ClientError, RetriesExceededError, OSError)

CREDENTIAL_PLACES = N_(
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, "
    "a profile in ~/.aws/credentials (AWS_PROFILE), or the instance role"
)
REFUSED_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "InvalidClientTokenId",
}
MISSING_BUCKET = {"NoSuchBucket", "404"}
FULL = {"QuotaExceeded", "InsufficientCapacity"}


def code_of(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def status_of(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def translate(error: Exception, what: str, endpoint: str, bucket: str) -> GyomuError:
    """The gyomu error for a failure while doing `what` (e.g. "cannot store x").

    `what` is a marked message of its own; each message here puts it first,
    before a colon, as the context of the failure.
    """
    if isinstance(error, GyomuError):
        return error
    places = _(CREDENTIAL_PLACES)
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return StorageError(
            _("{what}: no S3 credentials found; give them as {places}").format(
                what=what, places=places
            )
        )
    if isinstance(error, CredentialRetrievalError):
        return StorageError(
            _(
                "{what}: the S3 credentials could not be fetched ({error}); give them as {places}"
            ).format(what=what, error=error, places=places)
        )
    if isinstance(error, (ReadTimeoutError, ResponseStreamingError)):
        return StorageError(
            _("{what}: S3 endpoint {endpoint} stopped answering ({error})").format(
                what=what, endpoint=endpoint, error=_short(error)
            )
        )
    if isinstance(error, ConnectionError):
        return StorageError(
            _("{what}: cannot reach S3 endpoint {endpoint} ({error})").format(
                what=what, endpoint=endpoint, error=_short(error)
            )
        )
    if isinstance(error, ClientError):
        code, status = code_of(error), status_of(error)
        if code in REFUSED_CREDENTIALS or (status == 403 and code in ("403", "")):
            return StorageError(
                _(
                    "{what}: S3 endpoint {endpoint} refused the credentials ({code}); check {places}"
                ).format(
                    what=what, endpoint=endpoint, code=code or status, places=places
                )
            )
        if code in MISSING_BUCKET and status == 404:
            return ConfigError(
                _(
                    "bucket {bucket} does not exist at {endpoint}; create it or set [storage] bucket to one that exists"
                ).format(bucket=bucket, endpoint=endpoint)
            )
        if code in FULL:
            return StorageFull(
                _(
                    "{what}: S3 bucket {bucket} at {endpoint} is full ({code}); nothing new is stored until space is added (stored recordings are kept, Art. 6-2)"
                ).format(what=what, bucket=bucket, endpoint=endpoint, code=code)
            )
        if code == "AccessDenied":
            return StorageError(
                _(
                    "{what}: S3 endpoint {endpoint} denied access to bucket {bucket} (AccessDenied); check the user's permissions"
                ).format(what=what, endpoint=endpoint, bucket=bucket)
            )
        message = error.response.get("Error", {}).get("Message") or code
        return StorageError(
            _(
                "{what}: S3 endpoint {endpoint} answered {status} {code}: {message}"
            ).format(
                what=what, endpoint=endpoint, status=status, code=code, message=message
            )
        )
    if isinstance(error, BotoCoreError):
        return StorageError(_("{what}: {error}").format(what=what, error=_short(error)))
    return StorageError(
        _("{what}: {kind}: {error}").format(
            what=what, kind=type(error).__name__, error=_short(error)
        )
    )


def _short(error: Exception) -> str:
    """The first line of an exception's text."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
