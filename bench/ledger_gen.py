"""A large synthetic ledger: many recording rows written straight into SQLite.

The ledger file is made by `gyomu init`, and sections and devices go through
gyomu's own registry, so every row below points at real devices and sections.
Recording rows are then inserted with sqlite3 executemany, in the order
gyomu would have indexed them (oldest first), with the columns gyomu fills:

- calls carry caller and callee (a citizen's number and the line's own
  number; a few callers withheld as "anonymous"); camera segments carry none;
- each device's rows are spread over its retention period (calls 1 year,
  camera images 3 months by default), plus a short stretch just before it,
  so that about DUE_FRACTION of the rows have reached retain_until, as if
  the daily purge had not run for a couple of days;
- retain_until is what gyomu's own retention rule gives for the start time;
- hashes are random, and storage keys name objects that do not exist (purge
  reports those as already gone and completes the erasure);
- a few of the due recordings are under an active hold, so purge keeps them.

The planner gets no statistics (no ANALYZE), as in a ledger gyomu made itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gyomu_cli import retention

DUE_FRACTION = 0.005
HELD_FRACTION_OF_DUE = 0.02
CAMERA_SEGMENT_SECONDS = 300
BATCH = 50_000

# Filled when the ledger has them (added by later migrations): random values of the right form.
OPTIONAL_COLUMNS = ("plain_sha256", "wrapped_key")

COLUMNS = (
    "id", "kind", "device_id", "section_id", "started_month", "direction", "state",
    "created_at", "started_at", "ended_at", "duration", "caller", "callee",
    "retain_until", "storage_backend", "storage_key", "size", "sha256",
    "source_sha256", "pcm_sha256", "media", "source", "source_ref",
)


@dataclass
class Built:
    rows: int
    calls: int
    images: int
    due: int
    held: int
    seconds: float
    file_bytes: int
    rare_number: str
    rare_number_rows: int
    busy_number: str
    busy_number_rows: int
    device: str
    device_rows: int


def _fixed_offset(tz, around: dt.datetime, days: int) -> int:
    """The zone's UTC offset in seconds, if it is the same over the whole span."""
    offsets = {
        (around - dt.timedelta(days=d)).astimezone(tz).utcoffset().total_seconds()
        for d in range(0, days + 2, 7)
    }
    if len(offsets) != 1:
        raise SystemExit(
            f"bench: the ledger's time zone {tz} changes offset within the span; "
            "use a zone without daylight saving time (the default Asia/Tokyo is)"
        )
    return int(offsets.pop())


def _iso_ms(epoch_ms: np.ndarray) -> np.ndarray:
    """UTC epoch milliseconds -> the ledger's fixed-width text, e.g. 2026-01-02T03:04:05.678Z."""
    text = np.datetime_as_string(epoch_ms.astype("datetime64[ms]"), unit="ms")
    return np.char.add(text, "Z")


def _optional_columns(ledger: Path) -> list[str]:
    conn = sqlite3.connect(ledger)
    try:
        present = {row[1] for row in conn.execute("PRAGMA table_info(recordings)")}
    finally:
        conn.close()
    return [c for c in OPTIONAL_COLUMNS if c in present]


def _devices(ledger: Path, default_months: dict[str, int]) -> list[dict]:
    conn = sqlite3.connect(ledger)
    conn.row_factory = sqlite3.Row
    try:
        # The schema may have grown since this was written: say so rather than insert bad rows.
        table = {r["name"]: r for r in conn.execute("PRAGMA table_info(recordings)")}
        unknown = [c for c in COLUMNS if c not in table]
        required = [n for n, r in table.items() if r["notnull"] and r["dflt_value"] is None and not r["pk"]]
        missing = [n for n in required if n not in COLUMNS + OPTIONAL_COLUMNS]
        if unknown or missing:
            raise SystemExit(
                f"bench: the recordings table no longer matches bench/ledger_gen.py "
                f"(gone: {unknown or 'none'}; new required: {missing or 'none'}); update COLUMNS there"
            )
        found = [dict(r) for r in conn.execute(
            "SELECT id, name, kind, section_id, retention_months FROM devices WHERE active ORDER BY id"
        )]
    finally:
        conn.close()
    for device in found:
        kind = "call" if device["kind"] == "phone-line" else "image"
        device["retention_months"] = device["retention_months"] or default_months[kind]
    if not any(d["kind"] == "phone-line" for d in found):
        raise SystemExit("bench: the ledger needs at least one phone line")
    return found


def build(ledger: Path, rows: int, now: dt.datetime, tz, default_months: dict[str, int], seed: int = 7) -> Built:
    """Insert `rows` recordings for the ledger's active devices.

    default_months: the home's retention per kind ("call", "image"), for
    devices that do not set their own.
    """
    began = time.perf_counter()
    devices = _devices(ledger, default_months)
    rng = np.random.default_rng(seed)
    now_ms = int(now.timestamp() * 1000)
    lines = [d for d in devices if d["kind"] == "phone-line"]
    cameras = [d for d in devices if d["kind"] == "camera"]
    n_calls = int(rows * (0.75 if cameras else 1.0))
    n_images = rows - n_calls
    span_days = max(d["retention_months"] for d in devices) * 31 + 60
    offset_s = _fixed_offset(tz, now, span_days)

    # Per device group: start times over its retention period plus the due stretch.
    def starts(count: int, months: int, office_hours: bool) -> np.ndarray:
        """Uniform over the days still kept, plus a due stretch of the same density.

        With office_hours, each start moves to 08:30-17:15 local time on its day.
        """
        today = now.astimezone(tz).date()
        keep_from = None
        for back in range(months * 31 + 40, -1, -1):  # the first local day not yet due
            day = today - dt.timedelta(days=back)
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
            if retention.retain_until(noon, months, tz) > now:
                keep_from = dt.datetime.combine(day, dt.time(), tzinfo=tz)
                break
        keep_ms = int(keep_from.timestamp() * 1000)
        due_ms = int((now_ms - keep_ms) * DUE_FRACTION / (1 - DUE_FRACTION))
        moments = rng.integers(keep_ms - due_ms, now_ms - 3_600_000, count)
        if office_hours:
            day_ms = 86_400_000
            local_midnight = ((moments + offset_s * 1000) // day_ms) * day_ms - offset_s * 1000
            moments = local_midnight + rng.integers(int(8.5 * 3_600_000), int(17.25 * 3_600_000), count)
            moments[moments > now_ms - 3_600_000] -= day_ms
        return moments

    call_dev = rng.integers(0, len(lines), n_calls)
    image_dev = rng.integers(0, len(cameras), n_images) if n_images else np.zeros(0, dtype=np.int64)
    started = np.empty(rows, dtype=np.int64)
    device_index = np.empty(rows, dtype=np.int64)  # into `devices`
    for group, picks, offset in ((lines, call_dev, 0), (cameras, image_dev, n_calls)):
        for i, device in enumerate(group):
            where = np.nonzero(picks == i)[0] + offset
            started[where] = starts(len(where), device["retention_months"], device["kind"] == "phone-line")
            device_index[where] = devices.index(device)
    is_call = np.zeros(rows, dtype=bool)
    is_call[:n_calls] = True

    # Chronological order: ids grow with the start time, as indexing makes them.
    order = np.argsort(started, kind="stable")
    started, device_index, is_call = started[order], device_index[order], is_call[order]

    duration_s = np.where(
        is_call,
        np.clip(rng.lognormal(np.log(150), 0.8, rows), 5, 3600),
        CAMERA_SEGMENT_SECONDS,
    ).round(3)
    ended = started + (duration_s * 1000).astype(np.int64)
    created = np.minimum(ended + rng.integers(5_000, 600_000, rows), now_ms - 1000)

    # Local day of each start -> retain_until, by gyomu's own rule, once per (day, months).
    local_day = (started // 1000 + offset_s) // 86400
    months_of = np.array([d["retention_months"] for d in devices])[device_index]
    keys, which = np.unique(local_day * 1000 + months_of, return_inverse=True)
    now_text = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    until_text = []
    for key in keys:
        day, months = divmod(int(key), 1000)
        noon = dt.datetime.combine(dt.date(1970, 1, 1) + dt.timedelta(days=day), dt.time(12), tzinfo=tz)
        until = retention.retain_until(noon, months, tz).astimezone(dt.timezone.utc)
        until_text.append(until.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    retain = np.array(until_text, dtype=object)[which]
    due = np.array([t <= now_text for t in until_text])[which]
    started_month = np.datetime_as_string(
        ((started // 1000 + offset_s) * 1000).astype("datetime64[ms]").astype("datetime64[M]"), unit="M"
    )

    # Phone numbers: citizens with a heavy-tailed number of calls each; the lines' own numbers.
    pool = max(1000, rows // 5)
    citizen_numbers = np.unique(rng.integers(10**7, 10**8, pool * 2))[:pool]
    citizen = (pool * rng.random(rows) ** 3).astype(np.int64)
    line_number = {d["id"]: f"058628{1000 + i:04d}" for i, d in enumerate(devices)}
    incoming = rng.random(rows) < 0.7
    withheld = rng.random(rows) < 0.04

    ids = np.arange(1, rows + 1)
    # Plain Python lists: indexing them per row is far cheaper than indexing numpy arrays.
    started_text, ended_text, created_text = (_iso_ms(a).tolist() for a in (started, ended, created))
    month_text = started_month.tolist()
    device_of, call_of, incoming_of, withheld_of = (a.tolist() for a in (device_index, is_call, incoming, withheld))
    durations, citizen_of = duration_s.tolist(), citizen.tolist()
    citizen_text = [f"090{n:08d}" for n in citizen_numbers.tolist()]
    retain_of = retain.tolist()
    optional = _optional_columns(ledger)
    columns = COLUMNS + tuple(optional)
    hashes = rng.bytes(32 * 3 * rows).hex()
    extra_hashes = rng.bytes(32 * rows).hex() if "plain_sha256" in optional else ""
    # A wrapped object key: 12-byte nonce + 32-byte key + 16-byte tag, base64 (random here).
    wrapped = base64.b64encode(rng.bytes(60 * rows)).decode() if "wrapped_key" in optional else ""
    device_ids = [d["id"] for d in devices]
    section_ids = [d["section_id"] for d in devices]
    # The media facts as gyomu writes them (json.dumps of the probe's facts); calls differ only in frames.
    call_media = json.dumps({"codec": "PCM_16", "sample_rate": 8000, "channels": 1, "frames": 0, "format": "WAV", "stored_as": "FLAC"})
    call_media_head, call_media_tail = call_media.split('"frames": 0')
    image_media = json.dumps({"packets": CAMERA_SEGMENT_SECONDS * 25, "codec": "h264", "width": 640, "height": 360, "fps": 25.0, "format": "mp4"})

    def row_tuples(lo: int, hi: int):
        for i in range(lo, hi):
            dev = device_of[i]
            device_id = device_ids[dev]
            h = hashes[i * 192 : (i + 1) * 192]
            duration = durations[i]
            if call_of[i]:
                own = line_number[device_id]
                inbound = incoming_of[i]
                other = "anonymous" if inbound and withheld_of[i] else citizen_text[citizen_of[i]]
                caller, callee = (other, own) if inbound else (own, other)
                direction = "in" if inbound else "out"
                kind, suffix, pcm = "call", ".flac", h[128:192]
                size = int(duration * 8000 * 2 * 0.55)
                media = f'{call_media_head}"frames": {int(duration * 8000)}{call_media_tail}'
            else:
                caller = callee = direction = pcm = None
                kind, suffix = "image", ".mp4"
                size = int(duration * 52_000)
                media = image_media
            extra = []
            for column in optional:
                if column == "plain_sha256":
                    extra.append(extra_hashes[i * 64 : (i + 1) * 64])
                elif column == "wrapped_key":
                    extra.append(wrapped[i * 80 : (i + 1) * 80])
            yield (
                i + 1, kind, device_id, section_ids[dev], month_text[i], direction, "stored",
                created_text[i], started_text[i], ended_text[i], duration, caller, callee,
                retain_of[i], "local", f"{kind}/{h[:2]}/{h[2:4]}/{h[:32]}{suffix}", size, h[:64],
                h[64:128], pcm, media, "file", h[64:128], *extra,
            )

    conn = sqlite3.connect(ledger, isolation_level=None)
    try:
        # Bulk load: no fsync per page, a large cache; back to WAL afterwards as gyomu uses it.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -400000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN")
        # Indexes are dropped for the load and made again from their own CREATE statements,
        # so the ledger ends up with exactly the schema gyomu made.
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'recordings' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        sql = f"INSERT INTO recordings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for lo in range(0, rows, BATCH):
            conn.executemany(sql, row_tuples(lo, min(lo + BATCH, rows)))
        for _, create in indexes:
            conn.execute(create)
        due_ids = ids[due]
        held_ids = rng.choice(due_ids, max(1, int(len(due_ids) * HELD_FRACTION_OF_DUE)), replace=False) if len(due_ids) else []
        stamp = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        conn.executemany(
            "INSERT INTO holds (recording_id, reason, note, created_at, created_by) VALUES (?, 'dispute', ?, ?, 'bench')",
            [(int(r), f"bench dispute {k}", stamp) for k, r in enumerate(held_ids)],
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()

    # What the timed queries will look for.
    counts = np.bincount(citizen[is_call & ~(incoming & withheld)], minlength=pool)
    rare = int(np.argmin(np.abs(counts - 20)))
    busy_device = devices[int(np.bincount(device_index[is_call]).argmax())]
    listed = devices[int(device_index[is_call][0])]
    return Built(
        rows=rows,
        calls=int(is_call.sum()),
        images=int((~is_call).sum()),
        due=int(due.sum()),
        held=len(held_ids),
        seconds=time.perf_counter() - began,
        file_bytes=ledger.stat().st_size,
        rare_number=f"090{citizen_numbers[rare]:08d}",
        rare_number_rows=int(counts[rare]),
        busy_number=line_number[busy_device["id"]],
        busy_number_rows=int((device_index == devices.index(busy_device)).sum()),
        device=listed["name"],
        device_rows=int((device_index == devices.index(listed)).sum()),
    )
