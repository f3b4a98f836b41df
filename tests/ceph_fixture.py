"""A real S3 store for the tests: Ceph's RADOS Gateway, started by scripts/ceph-rgw.

The gateway starts once per test session (about 15 s) into a temporary folder
and is stopped at the end. Without the Ceph packages the tests that use it are
skipped, except in CI (CI=true), where a missing store is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ceph-rgw"
TOOLS = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "monmaptool")
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)


@dataclass(frozen=True)
class Gateway:
    """A running gateway: its URL and the S3 user scripts/ceph-rgw made."""

    endpoint: str
    access_key: str
    secret_key: str
    state: Path

    def admin(self):
        """A boto3 client of the test's own, for setting up and checking from outside."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def new_bucket(self, *, lock: bool = False, versioned: bool = False) -> str:
        name = f"gyomu-{uuid.uuid4().hex[:12]}"
        admin = self.admin()
        admin.create_bucket(Bucket=name, ObjectLockEnabledForBucket=lock)
        if versioned and not lock:
            admin.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        return name


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def start(state: Path) -> Gateway:
    done = subprocess.run(
        [str(SCRIPT), "start", str(state)],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"scripts/ceph-rgw start failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    fields = dict(
        part.split("=", 1) for part in done.stdout.strip().splitlines()[-1].split()
    )
    return Gateway(
        fields["endpoint"], fields["access_key"], fields["secret_key"], state
    )


def stop(state: Path) -> None:
    subprocess.run([str(SCRIPT), "stop", str(state)], check=True, timeout=120)


@pytest.fixture(scope="session")
def ceph_gateway(tmp_path_factory) -> Gateway:
    missing = missing_tools()
    if missing:
        reason = f"no Ceph here ({', '.join(missing)} missing): run scripts/system-packages as root"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the S3 store: {reason}")
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("ceph")
    try:
        gateway = start(state)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        stop(state)
        pytest.fail(str(error))
    yield gateway
    stop(state)


@pytest.fixture
def s3_env(ceph_gateway, monkeypatch, tmp_path) -> Gateway:
    """The test user's keys in the environment, and nothing from ~/.aws."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv(
        "AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials")
    )
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ceph_gateway.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ceph_gateway.secret_key)
    return ceph_gateway
