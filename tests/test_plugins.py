"""Plugins load from the `gyomu` entry point group, like any third-party one."""

import json

from gyomu_cli import plugins
from gyomu_cli.events import RecordingErased, RecordingStored
from gyomu_cli.hookspecs import hookimpl

from conftest import index_call, make_wav
import datetime as dt


def test_storage_local_is_an_entry_point_plugin(gyomu):
    listed = json.loads(gyomu("plugins", "--json").stdout)
    local = next(p for p in listed if p["name"] == "storage_local")
    assert local["distribution"] == "gyomu-storage-local"
    assert local["backends"] == ["storage:local"]
    assert local["hooks"] == ["register_storage_backends"]


def test_gyomu_plugins_pins_what_loads(gyomu, monkeypatch):
    monkeypatch.setenv("GYOMU_PLUGINS", "")
    plugins.reset()
    result = gyomu("plugins", "--json")
    assert json.loads(result.stdout) == []


def test_event_hooks_see_ids_only(city, tmp_path):
    seen = []

    class Recorder:
        @hookimpl
        def recording_stored(self, event):
            seen.append(event)

        @hookimpl
        def recording_erased(self, event):
            seen.append(event)

    plugins.manager().register(Recorder(), name="recorder")
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=800)
    assert index_call(city, make_wav(tmp_path / "c.wav"), started).exit_code == 0
    assert city("purge").exit_code == 0
    assert seen[0] == RecordingStored(1, "call", "line-main", "市民課", seen[0].size)
    assert seen[1] == RecordingErased(1, "call", "line-main", "retention ended")


def test_a_failing_event_plugin_does_not_undo_the_change(city, tmp_path):
    class Broken:
        @hookimpl
        def recording_stored(self, event):
            raise RuntimeError("forwarder down")

    plugins.manager().register(Broken(), name="broken")
    started = dt.datetime.now(dt.timezone.utc)
    result = index_call(city, make_wav(tmp_path / "c.wav"), started)
    assert result.exit_code == 0
    assert "plugin broken failed on recording_stored: forwarder down" in result.stderr
    assert len(json.loads(city("recordings", "list", "--json").stdout)) == 1


def test_two_plugins_claiming_one_backend_name(city, tmp_path):
    class Rival:
        @hookimpl
        def register_storage_backends(self, register):
            register("local", lambda home, options: None)

    plugins.manager().register(Rival(), name="rival")
    result = index_call(city, make_wav(tmp_path / "c.wav"), dt.datetime.now(dt.timezone.utc))
    assert result.exit_code == 3
    assert "storage backend 'local' is registered by both" in result.stderr
