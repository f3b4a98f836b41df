"""The worked example of docs/plugins.md works as the guide says.

The example is registered straight into gyomu's plugin manager from its source
folder, so nothing is installed; its entry point is checked separately.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import tomllib
from pathlib import Path

import pytest

from gyomu_cli import plugins
from gyomu_cli.events import RecordingErased, RecordingStored

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "example-plugin"
MODULE = "gyomu_event_log"
COMMON_FIELDS = {"event", "logged_at", "recording_id", "kind", "device"}
STORED_FIELDS = COMMON_FIELDS | {"section", "size"}
ERASED_FIELDS = COMMON_FIELDS | {"reason"}
PERSONAL = ("caller", "callee", "number", "started_at", "ended_at", "duration")


def stored(recording_id: int = 42, kind: str = "call") -> RecordingStored:
    device = "line-main" if kind == "call" else "cam-1f-counter"
    return RecordingStored(recording_id, kind, device, "市民課", 48213)


def erased(recording_id: int = 42, kind: str = "call") -> RecordingErased:
    device = "line-main" if kind == "call" else "cam-1f-counter"
    return RecordingErased(recording_id, kind, device, "retention ended")


@pytest.fixture
def example(monkeypatch):
    """The example module, registered as `event_log` and as the only plugin."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setenv("GYOMU_PLUGINS", "")  # no installed plugin joins in
    sys.modules.pop(MODULE, None)
    plugins.reset()
    module = importlib.import_module(MODULE)
    plugins.manager().register(module, name="event_log")
    yield module
    plugins.reset()
    sys.modules.pop(MODULE, None)


@pytest.fixture
def event_log(example, monkeypatch, tmp_path) -> Path:
    target = tmp_path / "events.jsonl"
    monkeypatch.setenv("GYOMU_EVENT_LOG", str(target))
    return target


def lines(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_stored_event_is_one_line_with_the_id_and_nothing_personal(event_log):
    plugins.notify("recording_stored", stored(42))

    [record] = lines(event_log)
    assert record["event"] == "recording_stored"
    assert record["recording_id"] == 42
    assert set(record) == STORED_FIELDS
    assert not any(field in record for field in PERSONAL)
    assert record["section"] == "市民課"
    assert (record["kind"], record["device"], record["size"]) == (
        "call",
        "line-main",
        48213,
    )


def test_erased_event_follows_on_its_own_line(event_log):
    plugins.notify("recording_stored", stored(7, "image"))
    plugins.notify("recording_erased", erased(7, "image"))

    first, second = lines(event_log)
    assert first["event"] == "recording_stored"
    assert second["event"] == "recording_erased"
    assert second["recording_id"] == 7
    assert second["reason"] == "retention ended"
    assert set(second) == ERASED_FIELDS


def test_log_file_is_readable_by_its_owner_only(event_log):
    plugins.notify("recording_stored", stored())

    assert event_log.stat().st_mode & 0o077 == 0


def test_without_the_variable_nothing_is_written(example, monkeypatch, tmp_path):
    monkeypatch.delenv("GYOMU_EVENT_LOG", raising=False)
    monkeypatch.chdir(tmp_path)

    plugins.notify("recording_stored", stored())

    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_log_is_reported_and_gyomu_carries_on(
    example, monkeypatch, tmp_path, caplog
):
    missing = tmp_path / "missing" / "events.jsonl"
    monkeypatch.setenv("GYOMU_EVENT_LOG", str(missing))

    with caplog.at_level(logging.ERROR, logger=MODULE):
        plugins.notify("recording_stored", stored())

    assert "event_log: cannot append" in caplog.text
    assert not missing.exists()


def test_gyomu_plugins_lists_the_example_with_its_hooks(example):
    [row] = [row for row in plugins.describe() if row["name"] == "event_log"]

    assert row["hooks"] == ["recording_erased", "recording_stored"]
    assert row["backends"] == []


def test_entry_point_names_the_example_module():
    text = (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8")
    entry_points = tomllib.loads(text)["project"]["entry-points"]

    assert entry_points["gyomu"] == {"event_log": MODULE}
    assert (EXAMPLE / MODULE / "__init__.py").is_file()
