"""gyomu benchmark: the S3 storage backend beside boto3's own file transfers.

Run from the repository root:

    .venv/bin/python bench/s3.py            # 20 objects of 8 MB, 3 rounds
    .venv/bin/python bench/s3.py --quick    # 5 objects of 8 MB, 1 round

A throwaway Ceph RADOS Gateway (scripts/ceph-rgw, memstore: data in RAM) is
started on 127.0.0.1. The same files are then stored and read back through
gyomu's storage_s3 backend (put from an open file, open and copy to a file)
and through boto3's upload_file and download_file with boto3's default
transfer settings, each into a bucket of its own. Each round uses new keys;
the figure is the median round. Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import boto3
    from botocore.config import Config
    from gyomu_storage_s3.store import S3Store
except ImportError as missing:
    sys.exit(
        f"bench: {missing}; run with the project's venv after scripts/setup: "
        ".venv/bin/python bench/s3.py"
    )

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ceph-rgw"
MB = 1 << 20
COPY_CHUNK = MB


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def start_gateway(state: Path) -> dict:
    done = subprocess.run(
        [str(SCRIPT), "start", str(state)], check=False, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"bench: scripts/ceph-rgw start failed: {done.stderr.strip()}")
    last = done.stdout.strip().splitlines()[-1]
    return dict(part.split("=", 1) for part in last.split())


def make_files(folder: Path, count: int, size: int) -> list[Path]:
    folder.mkdir()
    files = []
    for n in range(count):
        path = folder / f"object-{n:03d}.bin"
        path.write_bytes(os.urandom(size))
        files.append(path)
    return files


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def backend_round(
    store: S3Store, files: list[Path], out: Path, tag: str
) -> tuple[float, float]:
    keys = [f"bench/{tag}/{path.name}" for path in files]

    def put_all() -> None:
        for path, key in zip(files, keys):
            with open(path, "rb") as source:
                store.put(key, source)

    def get_all() -> None:
        for key in keys:
            with store.open(key) as body, open(out / Path(key).name, "wb") as copy:
                shutil.copyfileobj(body, copy, COPY_CHUNK)

    put, get = timed(put_all), timed(get_all)
    for key in keys:
        store.erase(key)
    return put, get


def boto3_round(
    client, bucket: str, files: list[Path], out: Path, tag: str
) -> tuple[float, float]:
    keys = [f"bench/{tag}/{path.name}" for path in files]

    def put_all() -> None:
        for path, key in zip(files, keys):
            client.upload_file(str(path), bucket, key)

    def get_all() -> None:
        for key in keys:
            client.download_file(bucket, key, str(out / Path(key).name))

    put, get = timed(put_all), timed(get_all)
    for key in keys:
        client.delete_object(Bucket=bucket, Key=key)
    return put, get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="5 objects, 1 round")
    add("--count", type=int, help="objects per round (default 20, quick 5)")
    add("--size-mb", type=int, default=8, help="size of each object in MB (8)")
    add("--rounds", type=int, help="rounds; the median is shown (default 3, quick 1)")
    args = parser.parse_args()
    count = args.count or (5 if args.quick else 20)
    rounds = args.rounds or (1 if args.quick else 3)
    size = args.size_mb * MB

    with tempfile.TemporaryDirectory(prefix="gyomu-bench-s3-") as tmp:
        tmp = Path(tmp)
        say("starting the Ceph RADOS Gateway (about 15 s)")
        gateway = start_gateway(tmp / "ceph")
        try:
            report = run(gateway, tmp, count, size, rounds)
        finally:
            say("stopping the gateway")
            subprocess.run([str(SCRIPT), "stop", str(tmp / "ceph")], check=False)
    print(report)


def run(gateway: dict, tmp: Path, count: int, size: int, rounds: int) -> str:
    os.environ["AWS_ACCESS_KEY_ID"] = gateway["access_key"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = gateway["secret_key"]
    endpoint = gateway["endpoint"]
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    for bucket in ("bench-backend", "bench-boto3"):
        client.create_bucket(Bucket=bucket)
    store = S3Store.from_options(tmp, {"endpoint": endpoint, "bucket": "bench-backend"})
    say(f"writing {count} files of {size // MB} MB")
    files = make_files(tmp / "in", count, size)

    out = tmp / "out"
    out.mkdir()
    say("warming up: the gateway's first writes set up its pools")
    for n in range(3):
        backend_round(store, files[:1], out, f"warm{n}")
        boto3_round(client, "bench-boto3", files[:1], out, f"warm{n}")
    times: dict[str, list[float]] = {
        name: [] for name in ("bput", "bget", "rput", "rget")
    }
    for n in range(rounds):
        say(f"round {n + 1} of {rounds}: backend")
        put, get = backend_round(store, files, out, f"r{n}")
        times["bput"].append(put)
        times["bget"].append(get)
        say(f"round {n + 1} of {rounds}: boto3")
        put, get = boto3_round(client, "bench-boto3", files, out, f"r{n}")
        times["rput"].append(put)
        times["rget"].append(get)

    total = count * size / MB
    rate = {name: total / statistics.median(values) for name, values in times.items()}
    lines = [
        f"gyomu S3 benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"machine: {os.cpu_count()} CPUs, Linux {platform.release()}, Python {platform.python_version()}, boto3 {boto3.__version__}",
        f"store: Ceph RADOS Gateway (memstore) at {endpoint}, loopback",
        f"data: {count} objects of {size // MB} MB ({total:.0f} MB) per round, {rounds} round(s), median round shown",
        "",
        f"{'':6}{'storage_s3 backend':>22}{'boto3 upload/download_file':>30}{'backend / boto3':>18}",
        f"{'put':6}{rate['bput']:>17.1f} MB/s{rate['rput']:>25.1f} MB/s{rate['bput'] / rate['rput']:>17.2f}x",
        f"{'get':6}{rate['bget']:>17.1f} MB/s{rate['rget']:>25.1f} MB/s{rate['bget'] / rate['rget']:>17.2f}x",
        "",
        "backend put: head (no overwrite), multipart upload of a read-only stream with",
        "sha256 over the bytes sent, head (size check); get: open and copy to a file.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
