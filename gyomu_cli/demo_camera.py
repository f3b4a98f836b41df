"""The demo's camera: a live RTSP stream from the camera plugin's stand-in, when this machine can serve one.

The stand-in (gyomu_camera_rtsp/simulator.py) is a GStreamer RTSP server; it
runs on the system's Python, which has the GObject bindings (Debian:
python3-gi, gir1.2-gst-rtsp-server-1.0 and the GStreamer plugins listed in
scripts/system-packages). When that is missing the demo says why and uses a
generated stream file instead.
"""

from __future__ import annotations

import importlib.util
import select
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gyomu_cli.i18n import _

PROBE = "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"


@dataclass
class Camera:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def _script() -> Path | None:
    spec = importlib.util.find_spec("gyomu_camera_rtsp")
    if spec is None or spec.origin is None:
        return None
    script = Path(spec.origin).with_name("simulator.py")
    return script if script.exists() else None


def _python() -> str | None:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and Path(candidate).exists():
            probe = subprocess.run([candidate, "-c", PROBE], capture_output=True, timeout=60)
            if probe.returncode == 0:
                return candidate
    return None


def start() -> tuple[Camera | None, str]:
    """A running stand-in camera and its address, or None and why not."""
    script = _script()
    if script is None:
        return None, _("the camera plugin (gyomu-camera-rtsp) is not installed")
    python = _python()
    if python is None:
        return None, _("no Python here can run GStreamer's RTSP server (Debian: python3-gi gir1.2-gst-rtsp-server-1.0)")
    process = subprocess.Popen([python, str(script), "--port", "0", "--width", "320", "--height", "240"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready = select.select([process.stdout], [], [], 30)[0]
    line = process.stdout.readline().strip() if ready else ""
    if not line.isdigit():
        camera = Camera(process, "")
        camera.stop()
        return None, _("the RTSP server did not start (is GStreamer's x264enc installed? Debian: gstreamer1.0-plugins-ugly)")
    return Camera(process, f"rtsp://127.0.0.1:{line}/cam"), ""
