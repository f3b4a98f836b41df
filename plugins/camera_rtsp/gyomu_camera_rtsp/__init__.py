"""gyomu camera backend "camera_rtsp": an RTSP camera's stream into segment files.

The segments are copied from the stream without re-encoding, written as
fragmented MP4 (or Matroska) under a `.part` name and renamed once closed.
recorder.py describes what `record` yields; options.py the device options.
"""

from gyomu_camera_rtsp.recorder import RtspCamera
from gyomu_cli.hookspecs import hookimpl


@hookimpl
def register_camera_backends(register):
    register("camera_rtsp", RtspCamera.from_options)
