"""A stand-in RTSP camera, served by GStreamer on 127.0.0.1 (tests, benchmarks, `gyomu demo`).

Run it with Debian's system Python, the only one here that can import `gi`:

    /usr/bin/python3 plugins/camera_rtsp/gyomu_camera_rtsp/simulator.py [--port N] [--no-audio]

It prints the port it listens on (port 0 lets the system choose) and serves a
moving test pattern as H.264, with AAC audio unless told not to (or AAC
alone, to stand for a misconfigured address), at
rtsp://127.0.0.1:PORT/cam. Every client gets its own encoder, so one client
connecting never disturbs another's timestamps. It runs until killed, or until
its standard input closes, so that it never outlives the test that started it.

With `--frames N` it serves nothing: it writes to standard output the first N
pictures every client is sent, as raw 8-bit grey (width x height bytes each),
so that a test can tell which of them a recording starts with.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

MOUNT = "/cam"


def pictures(args: argparse.Namespace, count: int | None = None) -> str:
    """The launch line of the moving test pattern: live, or its first `count` pictures."""
    timing = "is-live=true" if count is None else f"num-buffers={count}"
    return (
        f"videotestsrc {timing} pattern={args.pattern}"
        f" ! video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
    )


def pipeline(args: argparse.Namespace) -> str:
    """The launch line of one client's media; payloaders are named pay0, pay1."""
    video = (
        f"{pictures(args)}"
        f" ! x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.kbits}"
        f" key-int-max={args.key_int}"
        " ! video/x-h264,profile=baseline ! h264parse ! rtph264pay name=pay0 pt=96"
    )
    audio = (
        " audiotestsrc is-live=true wave=sine volume=0.2"
        " ! audio/x-raw,rate=16000,channels=1 ! audioconvert ! avenc_aac"
        f" ! aacparse ! rtpmp4gpay name=pay{0 if args.no_video else 1} pt=97"
    )
    if args.no_video:
        return f"( {audio} )"
    return f"( {video}{'' if args.no_audio else audio} )"


def write_frames(args: argparse.Namespace) -> int:
    """Write the first `args.frames` pictures as raw grey to standard output."""
    launch = (
        f"{pictures(args, args.frames)}"
        " ! videoconvert ! video/x-raw,format=GRAY8 ! fdsink fd=1"
    )
    Gst.init(None)
    try:
        media = Gst.parse_launch(launch)
    except GLib.Error as error:
        print(f"cannot render the pattern: {error.message}", file=sys.stderr)
        return 2
    media.set_state(Gst.State.PLAYING)
    done = media.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    media.set_state(Gst.State.NULL)
    if done.type == Gst.MessageType.ERROR:
        print(
            f"cannot render the pattern: {done.parse_error()[0].message}",
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-audio", action="store_true")
    parser.add_argument(
        "--no-video", action="store_true", help="a microphone, not a camera"
    )
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--key-int", type=int, default=25)
    parser.add_argument("--kbits", type=int, default=300)
    parser.add_argument(
        "--pattern", default="ball", help="videotestsrc's; snow fills the bitrate"
    )
    parser.add_argument(
        "--frames",
        type=int,
        metavar="N",
        help="serve nothing; write the first N pictures as raw grey to stdout",
    )
    args = parser.parse_args()
    if args.frames is not None:
        return write_frames(args)

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args))
    factory.set_shared(False)
    server.get_mount_points().add_factory(MOUNT, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    GLib.io_add_watch(
        sys.stdin.fileno(), GLib.IO_HUP | GLib.IO_IN, lambda *_: loop.quit()
    )
    print(server.get_bound_port(), flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
