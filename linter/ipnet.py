"""Address arithmetic in one place: parsing IPs and CIDRs the way the upstream Go code does, and overlaps."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

IPNet = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(value: Any) -> IPAddr | None:
    """An IPv4/IPv6 address (Go's net.ParseIP accepts no prefix, no zone, no leading zeros), else None."""
    if not isinstance(value, str):
        return None
    return _ip(value)


def parse_cidr(value: Any, strict: bool = False) -> IPNet | None:
    """A CIDR like Go's net.ParseCIDR: `addr/prefix` required. With strict=False host bits are masked off
    (as Go does); use `has_host_bits` to report them."""
    if not isinstance(value, str) or "/" not in value:
        return None
    return _cidr(value, strict)


# The same addresses come back again and again (a cluster's CIDRs against each of its pools); ipaddress
# objects are immutable, so parses are memoized.
@functools.lru_cache(maxsize=65536)
def _ip(value: str) -> IPAddr | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)
def _cidr(value: str, strict: bool) -> IPNet | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=strict)
    except ValueError:
        return None


def has_host_bits(value: str) -> bool:
    """True when `value` parses as a CIDR but has bits set after the prefix (10.0.0.1/24)."""
    net = parse_cidr(value)
    if net is None:
        return False
    addr = ipaddress.ip_address(value.strip().split("/", 1)[0])
    return addr != net.network_address


def overlaps(a: IPNet, b: IPNet) -> bool:
    return a.version == b.version and a.overlaps(b)


def contains(net: IPNet, ip: IPAddr) -> bool:
    return net.version == ip.version and ip in net


def ranges_overlap(a: tuple[IPAddr, IPAddr], b: tuple[IPAddr, IPAddr]) -> bool:
    """Inclusive address ranges [start, end] of the same family overlap."""
    if a[0].version != b[0].version:
        return False
    return not (a[1] < b[0] or b[1] < a[0])


def net_range(net: IPNet) -> tuple[IPAddr, IPAddr]:
    return net.network_address, net.broadcast_address


def first_host(net: IPNet) -> IPAddr:
    """The first address an allocator hands out by default: the one after the network address."""
    return net.network_address + 1 if net.num_addresses > 1 else net.network_address


def last_host(net: IPNet) -> IPAddr:
    """The last address an allocator hands out by default: IPv4 skips the broadcast, IPv6 has none."""
    if net.version == 4 and net.num_addresses > 1:
        return net.broadcast_address - 1
    return net.broadcast_address


def in_range(ip: IPAddr, r: tuple[IPAddr, IPAddr]) -> bool:
    """`ip` lies in the inclusive range [start, end] of its family."""
    return ip.version == r[0].version and r[0] <= ip <= r[1]


def range_text(r: tuple[IPAddr, IPAddr]) -> str:
    return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"
