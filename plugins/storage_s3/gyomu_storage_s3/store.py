"""Objects in an S3 bucket; with object-lock = compliance the store itself keeps them.

Keys map to object names as <prefix><key>, addressed path-style
(<endpoint>/<bucket>/<name>), which S3-compatible stores on premises expect.
Credentials come only from boto3's standard chain (the AWS_* environment
variables, ~/.aws/credentials and AWS_PROFILE, an instance role); no option
carries them and no message shows them.

`from_options` only checks the options and makes no request. The bucket is
checked lazily, once, on the first call that talks to the store: that it
exists, that the credentials are accepted and, with object-lock = compliance,
that the bucket was created with S3 Object Lock enabled.

With compliance mode an object put with a retain-until date is written in
COMPLIANCE mode until that date: no one, not even the bucket's owner with the
governance bypass, can delete it before then, and the retention cannot be
shortened. Erasure deletes every version of the key, delete markers too; the
store reclaims the space in its own garbage collection, and gyomu's
encryption at rest with the object's key destroyed in the ledger makes any
bytes left there unreadable.

Putting a key that already holds an object is refused after a check; two
writers racing for one key cannot both pass it in practice because gyomu's
keys are random, and in a versioned bucket the first write would survive as
an older version anyway.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from gyomu_cli.backends import StoredObject
from gyomu_cli.errors import ConfigError, GyomuError, ObjectMissing, StorageError
from gyomu_storage_s3.failures import FAILURES, code_of, status_of, translate
from gyomu_storage_s3.messages import _
from gyomu_storage_s3.options import S3Options
from gyomu_storage_s3.streams import BodyReader, HashingReader

MB = 1 << 20
CHUNK = MB
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
NOT_FOUND = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}
NO_LOCK = {"ObjectLockConfigurationNotFoundError", "ObjectLockConfigurationNotFound"}
TRANSFER = TransferConfig(
    multipart_threshold=8 * MB,
    multipart_chunksize=8 * MB,
    max_concurrency=4,
    use_threads=True,
)
CLIENT_CONFIG = Config(
    s3={"addressing_style": "path"},
    connect_timeout=5,
    read_timeout=60,
    retries={"mode": "standard", "max_attempts": 3},
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)


class S3Store:
    """A StorageBackend over one bucket (see the module's docstring)."""

    def __init__(self, options: S3Options):
        self.options = options
        self._client = None

    @classmethod
    def from_options(cls, home: Path, options: dict) -> S3Store:
        """Check the `[storage]` options; no request is made until first use."""
        return cls(S3Options.parse(options))

    def describe(self) -> dict:
        """What `gyomu storage list` shows: where, never with what credentials."""
        return {
            "backend": "storage_s3",
            "endpoint": self.options.endpoint,
            "bucket": self.options.bucket,
            "region": self.options.region,
            "prefix": self.options.prefix,
            "object_lock": self.options.object_lock,
        }

    # Reading and writing objects

    def put(
        self, key: str, source: BinaryIO, retain_until: dt.datetime | None = None
    ) -> StoredObject:
        name = self._name(key)
        if self._head(name, _("cannot store {key}").format(key=key)) is not None:
            raise StorageError(
                _("storage key {key} already holds an object").format(key=key)
            )

        extra = self._lock_arguments(retain_until)
        reader = HashingReader(source)
        try:
            self.client.upload_fileobj(
                reader, self.options.bucket, name, ExtraArgs=extra, Config=TRANSFER
            )
        except FAILURES as error:
            raise self._error(error, _("cannot store {key}").format(key=key)) from None

        head = self._head(
            name, _("cannot check {key} after storing it").format(key=key)
        )
        if head is None:
            raise StorageError(
                _(
                    "cannot store {key}: {size} bytes were sent but the store holds nothing"
                ).format(key=key, size=reader.size)
            )
        if head["ContentLength"] != reader.size:
            raise StorageError(
                _(
                    "cannot store {key}: {size} bytes were sent but the store holds {held} bytes"
                ).format(key=key, size=reader.size, held=head["ContentLength"])
            )
        return StoredObject(key, reader.size, reader.digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        try:
            response = self.client.get_object(Bucket=self.options.bucket, Key=name)
        except ClientError as error:
            if code_of(error) in NOT_FOUND:
                raise self._missing(key) from None
            raise self._error(error, _("cannot read {key}").format(key=key)) from None
        except FAILURES as error:
            raise self._error(error, _("cannot read {key}").format(key=key)) from None

        def fail(error: Exception) -> GyomuError:
            return self._error(error, _("cannot read {key}").format(key=key))

        return io.BufferedReader(BodyReader(response["Body"], fail), CHUNK)

    def stat(self, key: str) -> StoredObject:
        with self.open(key) as body:
            reader = HashingReader(body)
            while reader.read(CHUNK):
                pass
        return StoredObject(key, reader.size, reader.digest.hexdigest())

    def exists(self, key: str) -> bool:
        what = _("cannot look up {key}").format(key=key)
        return self._head(self._name(key), what) is not None

    def keys(self) -> Iterator[str]:
        prefix = self.options.prefix
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.options.bucket, Prefix=prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(prefix) :]
        except FAILURES as error:
            raise self._error(error, _("cannot list the stored objects")) from None

    # Erasure and holds

    def erase(self, key: str) -> bool:
        """Delete every version of the key; False when none held content.

        Delete markers are removed too, after the versions, so that a refusal
        by the store's object lock leaves the key as it was.
        """
        name = self._name(key)
        versions, markers = self._versions(key, name)
        for version_id in versions:
            self._delete_version(key, name, version_id)
        for version_id in markers:
            self._delete_version(key, name, version_id)
        return bool(versions)

    def legal_hold(self, key: str, on: bool) -> None:
        """Put or lift the store's legal hold on the key; nothing when lock is off.

        While the hold is on, the store refuses to delete the object even after
        its retain-until date.
        """
        if self.options.object_lock == "off":
            return
        name = self._name(key)
        try:
            self.client.put_object_legal_hold(
                Bucket=self.options.bucket,
                Key=name,
                LegalHold={"Status": "ON" if on else "OFF"},
            )
        except ClientError as error:
            if code_of(error) in NOT_FOUND:
                raise self._missing(key) from None
            raise self._error(error, self._hold_failed(key)) from None
        except FAILURES as error:
            raise self._error(error, self._hold_failed(key)) from None

    # The connection and its first check

    def check(self) -> None:
        """Connect and check the bucket now rather than on first use."""
        self.client  # noqa: B018 (the property connects and checks)

    @property
    def client(self):
        """The S3 client, made and checked against the bucket on first use."""
        if self._client is None:
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.options.endpoint,
                region_name=self.options.region,
                config=CLIENT_CONFIG,
            )
            self._check_bucket(client)
            self._client = client
        return self._client

    def _check_bucket(self, client) -> None:
        bucket, endpoint = self.options.bucket, self.options.endpoint
        what = _("cannot use bucket {bucket}").format(bucket=bucket)
        try:
            client.head_bucket(Bucket=bucket)
        except FAILURES as error:
            raise self._error(error, what) from None
        if self.options.object_lock == "off":
            return

        try:
            found = client.get_object_lock_configuration(Bucket=bucket)
            enabled = found["ObjectLockConfiguration"].get("ObjectLockEnabled")
        except ClientError as error:
            if code_of(error) not in NO_LOCK and status_of(error) != 404:
                raise self._error(error, what) from None
            enabled = None
        except FAILURES as error:
            raise self._error(error, what) from None
        if enabled != "Enabled":
            raise ConfigError(
                _(
                    "bucket {bucket} at {endpoint} has no S3 Object Lock, which object-lock = compliance needs; use a bucket created with object lock enabled, or set object-lock = off"
                ).format(bucket=bucket, endpoint=endpoint)
            )

    # Helpers

    def _name(self, key: str) -> str:
        if not KEY_PATTERN.fullmatch(key) or any(
            p in (".", "..") for p in key.split("/")
        ):
            raise StorageError(_("invalid storage key {key!r}").format(key=key))
        return self.options.prefix + key

    def _lock_arguments(self, retain_until: dt.datetime | None) -> dict:
        """COMPLIANCE until the date; nothing when lock is off or the date has passed."""
        if retain_until is None or self.options.object_lock == "off":
            return {}
        if retain_until.tzinfo is None:
            raise StorageError(
                _(
                    "retain_until {date} has no time zone; the store needs an exact instant"
                ).format(date=retain_until.isoformat())
            )
        if retain_until <= dt.datetime.now(dt.UTC):
            return {}
        return {
            "ObjectLockMode": "COMPLIANCE",
            "ObjectLockRetainUntilDate": retain_until.astimezone(dt.UTC),
        }

    def _head(self, name: str, what: str, version_id: str | None = None) -> dict | None:
        arguments = {"Bucket": self.options.bucket, "Key": name}
        if version_id is not None:
            arguments["VersionId"] = version_id
        try:
            return self.client.head_object(**arguments)
        except ClientError as error:
            if code_of(error) in NOT_FOUND or status_of(error) == 404:
                return None
            raise self._error(error, what) from None
        except FAILURES as error:
            raise self._error(error, what) from None

    def _versions(self, key: str, name: str) -> tuple[list[str], list[str]]:
        """Version ids of the exact name: those holding content, then delete markers."""
        versions, markers = [], []
        pages = self.client.get_paginator("list_object_versions").paginate(
            Bucket=self.options.bucket, Prefix=name
        )
        try:
            for page in pages:
                for item in page.get("Versions", []):
                    if item["Key"] == name:
                        versions.append(item["VersionId"])
                for item in page.get("DeleteMarkers", []):
                    if item["Key"] == name:
                        markers.append(item["VersionId"])
        except FAILURES as error:
            raise self._error(error, self._erase_failed(key)) from None
        return versions, markers

    def _delete_version(self, key: str, name: str, version_id: str) -> None:
        try:
            self.client.delete_object(
                Bucket=self.options.bucket, Key=name, VersionId=version_id
            )
        except ClientError as error:
            if code_of(error) in NOT_FOUND:
                return
            locked = None
            if status_of(error) == 403 and code_of(error) == "AccessDenied":
                locked = self._locked(key, name, version_id)
            raise locked or self._error(error, self._erase_failed(key)) from None
        except FAILURES as error:
            raise self._error(error, self._erase_failed(key)) from None

    def _locked(self, key: str, name: str, version_id: str) -> StorageError | None:
        """Why the store refused a deletion, when its object lock is the reason."""
        head = self._head(name, self._erase_failed(key), version_id) or {}
        if head.get("ObjectLockLegalHoldStatus") == "ON":
            return StorageError(
                _(
                    "cannot erase {key}: the store's legal hold keeps it until the hold is released"
                ).format(key=key)
            )
        until = head.get("ObjectLockRetainUntilDate")
        if until is not None and until > dt.datetime.now(dt.UTC):
            date = until.astimezone(dt.UTC).isoformat(timespec="seconds")
            return StorageError(
                _(
                    "cannot erase {key}: the store's object lock keeps it until {date}"
                ).format(key=key, date=date)
            )
        return None

    def _missing(self, key: str) -> ObjectMissing:
        return ObjectMissing(
            _(
                "stored object {key} is missing from bucket {bucket} at {endpoint}"
            ).format(
                key=key, bucket=self.options.bucket, endpoint=self.options.endpoint
            )
        )

    def _erase_failed(self, key: str) -> str:
        return _("cannot erase {key}").format(key=key)

    def _hold_failed(self, key: str) -> str:
        return _("cannot set the legal hold on {key}").format(key=key)

    def _error(self, error: Exception, what: str) -> GyomuError:
        return translate(error, what, self.options.endpoint, self.options.bucket)
