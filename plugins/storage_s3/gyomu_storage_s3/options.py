"""The `[storage]` options of the S3 backend, checked before any request is made."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from gyomu_cli.errors import ConfigError
from gyomu_storage_s3.messages import _

LOCK_MODES = ("off", "compliance")
KNOWN = {"endpoint", "bucket", "region", "object-lock", "prefix"}
BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
CREDENTIAL_WORDS = ("access", "secret", "key", "token", "password", "credential")


@dataclass(frozen=True)
class S3Options:
    """Where the objects go.

    endpoint: the S3 service's URL, e.g. https://s3.example.jp.
    bucket: the bucket holding gyomu's objects (it must exist).
    region: the region requests are signed for.
    object_lock: "compliance" (every object put with a retain-until date is
        locked by the store until then) or "off".
    prefix: "" or a folder-like prefix ending in "/", put before every key.
    """

    endpoint: str
    bucket: str
    region: str = "us-east-1"
    object_lock: str = "off"
    prefix: str = ""

    @classmethod
    def parse(cls, options: dict) -> S3Options:
        given = {str(name): str(value).strip() for name, value in options.items()}
        secret = sorted(
            n for n in given if any(w in n.lower() for w in CREDENTIAL_WORDS)
        )
        if secret:
            raise ConfigError(
                _(
                    "[storage] option {option!r} is not read: the S3 backend takes credentials only from the standard places (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, an instance role); remove it from gyomu.toml"
                ).format(option=secret[0])
            )
        unknown = sorted(set(given) - KNOWN)
        if unknown:
            raise ConfigError(
                _(
                    "[storage] option {option!r} is unknown to the S3 backend; it knows {known}"
                ).format(option=unknown[0], known=", ".join(sorted(KNOWN)))
            )
        for required in ("endpoint", "bucket"):
            if not given.get(required):
                raise ConfigError(
                    _(
                        "[storage] backend storage_s3 needs {option} = ... (see plugins/storage_s3/README.md)"
                    ).format(option=required)
                )
        endpoint = given["endpoint"].rstrip("/")
        url = urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                _(
                    "[storage] endpoint {endpoint!r} is not an http:// or https:// URL"
                ).format(endpoint=endpoint)
            )
        if url.username or url.password:
            raise ConfigError(
                _(
                    "[storage] endpoint must not carry a user or password; the S3 backend takes credentials only from the standard places"
                )
            )
        bucket = given["bucket"]
        if not BUCKET_PATTERN.fullmatch(bucket):
            raise ConfigError(
                _(
                    "[storage] bucket {bucket!r} is not a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-')"
                ).format(bucket=bucket)
            )
        lock = given.get("object-lock", "off").lower() or "off"
        if lock not in LOCK_MODES:
            raise ConfigError(
                _(
                    "[storage] object-lock is 'compliance' or 'off', not {lock!r}"
                ).format(lock=lock)
            )
        prefix = given.get("prefix", "").strip("/")
        if prefix and not PREFIX_PATTERN.fullmatch(prefix):
            raise ConfigError(
                _(
                    "[storage] prefix {prefix!r} may hold only letters, digits, '.', '_', '-' and '/'"
                ).format(prefix=prefix)
            )
        return cls(
            endpoint=endpoint,
            bucket=bucket,
            region=given.get("region") or "us-east-1",
            object_lock=lock,
            prefix=f"{prefix}/" if prefix else "",
        )
