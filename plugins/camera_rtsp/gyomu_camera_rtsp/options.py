"""The device options of an RTSP camera, read and checked once, before recording.

Options arrive as strings, as given to `gyomu device add ... --option KEY=VALUE`:

    url        rtsp:// or rtsps:// address of the stream (required)
    segment    seconds per segment file, 1 to 3600 (default 60)
    transport  tcp or udp (default tcp)
    timeout    seconds without data before the connection counts as lost,
               1 to 300 (default 5)
    container  mp4 (fragmented) or mkv (default mp4)

The core adds `device` (the device's name) and `state_dir`; both are accepted.
Any other key is refused, so that a misspelt option is not silently ignored.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from fractions import Fraction
from urllib.parse import urlsplit, urlunsplit

from gyomu_camera_rtsp.messages import _
from gyomu_cli.errors import ConfigError

KNOWN = ("url", "segment", "transport", "timeout", "container")
ADDED_BY_CORE = ("device", "state_dir")
CONTAINERS = {"mp4": ("mp4", ".mp4"), "mkv": ("matroska", ".mkv")}
TRANSPORTS = ("tcp", "udp")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class CameraOptions:
    """What the recorder needs, checked.

    url: the stream address as given (it may hold a password: never log it).
    shown_url: the address without user name or password, for messages.
    segment: seconds per segment, exact.
    transport: "tcp" or "udp".
    timeout: seconds without data before reconnecting.
    format: FFmpeg's name for the container ("mp4" or "matroska").
    suffix: the file name suffix of a closed segment.
    prefix: what segment file names start with: the device's name when it is
        a plain ASCII word, otherwise a random token chosen once per recorder.
    """

    url: str
    shown_url: str
    segment: Fraction
    transport: str
    timeout: float
    format: str
    suffix: str
    prefix: str


def read_options(options: dict) -> CameraOptions:
    """The checked options; ConfigError names the first bad one.

    Messages do not name the device: the core puts its name in front.
    """
    device = str(options.get("device") or "")
    unknown = sorted(set(options) - set(KNOWN) - set(ADDED_BY_CORE))
    if unknown:
        raise ConfigError(
            _("unknown rtsp option {unknown}; the rtsp backend takes {known}").format(
                unknown=", ".join(unknown), known=", ".join(KNOWN)
            )
        )

    url = str(options.get("url") or "").strip()
    if not url:
        raise ConfigError(
            _(
                "the rtsp backend needs the device option url, the camera's stream address: --option url=rtsp://HOST:554/PATH"
            )
        )
    if (
        urlsplit(url).scheme.lower() not in ("rtsp", "rtsps")
        or not urlsplit(url).hostname
    ):
        raise ConfigError(
            _(
                "the device option url must be an rtsp:// or rtsps:// address with a host, not {url!r}"
            ).format(url=redact(url))
        )

    container = str(options.get("container") or "mp4").lower()
    if container not in CONTAINERS:
        raise ConfigError(
            _(
                "the device option container must be mp4 or mkv, not {container!r}"
            ).format(container=container)
        )
    transport = str(options.get("transport") or "tcp").lower()
    if transport not in TRANSPORTS:
        raise ConfigError(
            _(
                "the device option transport must be tcp or udp, not {transport!r}"
            ).format(transport=transport)
        )

    format_name, suffix = CONTAINERS[container]
    return CameraOptions(
        url=url,
        shown_url=redact(url),
        segment=_seconds(options, "segment", "60", 1, 3600),
        transport=transport,
        timeout=float(_seconds(options, "timeout", "5", 1, 300)),
        format=format_name,
        suffix=suffix,
        prefix=device if SAFE_NAME.fullmatch(device) else f"cam{secrets.token_hex(4)}",
    )


def _seconds(options: dict, key: str, default: str, low: int, high: int) -> Fraction:
    text = str(options.get(key) or default).strip()
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(
            _(
                "the device option {key} must be a number of seconds from {low} to {high}, not {text!r}"
            ).format(key=key, low=low, high=high, text=text)
        )
    return value


def redact(url: str) -> str:
    """The address without the user name and password it may carry."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, ""))
