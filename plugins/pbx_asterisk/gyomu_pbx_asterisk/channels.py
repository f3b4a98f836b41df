"""Which calls are external: by the channels they use, never by number length.

A channel is `TECH/resource`: PJSIP/ntt-trunk-0000001a (endpoint ntt-trunk),
SIP/hikari-00000a1 (peer hikari), IAX2/peer-1234, DAHDI/i1/0586281234-5 (span
i1), Local/201@from-internal-00000001;1. A call is external when one of its
channels belongs to a configured trunk; 110, 118 and 119 leave through a
trunk like any outside number, so they count as external without a rule of
their own. Local channels never decide: the other rows of the same call do.
"""

from __future__ import annotations

import re

SUFFIX = re.compile(r"-[0-9a-fA-F]+$")


def endpoint(channel: str) -> str:
    """'PJSIP/ntt-trunk-0000001a' -> 'ntt-trunk'; 'DAHDI/i1/0586…-5' -> 'i1'."""
    if "/" not in channel:
        return ""
    tech, _, resource = channel.partition("/")
    if tech.upper() == "DAHDI":
        return resource.split("/", 1)[0]
    if tech.upper() == "LOCAL":
        return ""
    return SUFFIX.sub("", resource.split(";", 1)[0])


def is_local(channel: str) -> bool:
    return channel.upper().startswith("LOCAL/")


class Trunks:
    """The configured trunk endpoints, e.g. "ntt-trunk,hikari,i1"."""

    def __init__(self, names: list[str]):
        self.names = {n.strip() for n in names if n.strip()}

    def owns(self, channel: str) -> bool:
        return bool(channel) and endpoint(channel) in self.names

    def direction(self, channel: str, dstchannel: str) -> str | None:
        """'in' when the call came from a trunk, 'out' when it went to one."""
        if self.owns(channel):
            return "in"
        if self.owns(dstchannel):
            return "out"
        return None


def extension(channel: str) -> str:
    """The phone behind a staff channel: 'PJSIP/201-0000001b' -> '201'."""
    if is_local(channel):
        resource = channel.partition("/")[2]
        return resource.split("@", 1)[0]
    return endpoint(channel)
