"""The IPAM pools of a NAD (host-local, static, whereabouts, dhcp) with node paths inside spec.config, plus the
configuration problems found while reading them (EKSA501)."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from eksa_lint import ipnet
from eksa_lint.findings import NodePath
from eksa_lint.model import CniPlugin, Nad, Repo
from eksa_lint.record import FrozenRecord, Record

Range = tuple[ipnet.IPAddr, ipnet.IPAddr]


class Pool(FrozenRecord):
    """One allocatable address range of a NAD's IPAM."""

    _fields = ("nad", "ipam_type", "path", "net", "range", "allocator", "gateway", "gateway_path", "excludes")
    __slots__ = _fields

    def __init__(
        self,
        nad: Nad,
        ipam_type: str,  # host-local, static, whereabouts
        path: NodePath,  # the "subnet"/"range"/"address" key this pool comes from
        net: ipnet.IPNet,
        range: Range,  # inclusive, what the allocator hands out
        allocator: tuple[Any, ...],  # pools with equal allocator keys share one allocation store
        gateway: ipnet.IPAddr | None = None,
        gateway_path: NodePath | None = None,
        excludes: tuple[ipnet.IPNet, ...] = (),
    ) -> None:
        object.__setattr__(self, "nad", nad)
        object.__setattr__(self, "ipam_type", ipam_type)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "net", net)
        object.__setattr__(self, "range", range)
        object.__setattr__(self, "allocator", allocator)
        object.__setattr__(self, "gateway", gateway)
        object.__setattr__(self, "gateway_path", gateway_path)
        object.__setattr__(self, "excludes", excludes)

    def hands_out(self, ip: ipnet.IPAddr) -> bool:
        """The allocator may give `ip` to a pod (host-local never gives its gateway)."""
        if not ipnet.in_range(ip, self.range) or any(ipnet.contains(x, ip) for x in self.excludes):
            return False
        return not (self.ipam_type == "host-local" and ip == self.gateway)

    def describe(self) -> str:
        return f"{self.ipam_type} pool {ipnet.range_text(self.range)}"


class NadIpam(Record):
    """The pools of one NAD and the problems (node path, message) that make its IPAM config invalid."""

    _fields = ("nad", "pools", "problems")
    __slots__ = _fields

    def __init__(
        self,
        nad: Nad,
        pools: list[Pool] | None = None,
        problems: list[tuple[NodePath, str]] | None = None,
    ) -> None:
        self.nad = nad
        self.pools = [] if pools is None else pools
        self.problems = [] if problems is None else problems

    def add(self, path: NodePath, message: str) -> None:
        self.problems.append((path, message))


def _ip(value: Any) -> ipnet.IPAddr | None:
    return ipnet.parse_ip(value)


def _nad_key(nad: Nad, plugin: CniPlugin) -> tuple[Any, ...]:
    return (nad.obj.path, nad.obj.doc.index, nad.obj.base, plugin.index)


def parse_nad(nad: Nad) -> NadIpam:
    out = NadIpam(nad)
    for plugin in nad.plugins:
        ipam = plugin.ipam
        if ipam is None:
            continue
        kind = ipam.get("type")
        if kind == "host-local":
            _host_local(out, plugin, ipam)
        elif kind == "static":
            _static(out, plugin, ipam)
        elif kind == "whereabouts":
            _whereabouts(out, plugin, ipam)
    return out


def _subnet(out: NadIpam, path: NodePath, value: Any, what: str) -> ipnet.IPNet | None:
    net = ipnet.parse_cidr(value)
    if net is None:
        out.add(path, f'{what} {value!r} is not a CIDR (address/prefix such as "10.1.0.0/24"); fix the value')
        return None
    if ipnet.has_host_bits(value):
        out.add(path, f'{what} "{value}" has host bits set; write the network address "{net}"')
    return net


def _bound(
    out: NadIpam, path: NodePath, value: Any, key: str, net: ipnet.IPNet, hint: str
) -> ipnet.IPAddr | None:
    ip = _ip(value)
    if ip is None:
        out.add(path, f"{key} {value!r} is not an IP address; fix the value")
        return None
    if not ipnet.contains(net, ip):
        out.add(path, f'{key} "{value}" is outside {net}{hint}; pick an address inside it')
        return None
    return ip


def _host_local_range(out: NadIpam, plugin: CniPlugin, r: dict[str, Any], path: NodePath) -> Pool | None:
    if "subnet" not in r:
        out.add(path, 'host-local range has no subnet; add "subnet": "<network>/<prefix>"')
        return None
    net = _subnet(out, path + ("subnet",), r.get("subnet"), "subnet")
    if net is None:
        return None
    if net.prefixlen > net.max_prefixlen - 2:
        out.add(
            path + ("subnet",),
            f'subnet "{r.get("subnet")}" is too small to allocate from '
            f"(host-local needs /{net.max_prefixlen - 2} or larger); "
            f"widen the prefix",
        )
        return None
    start, end = ipnet.first_host(net), ipnet.last_host(net)
    if "rangeStart" in r:
        start = _bound(out, path + ("rangeStart",), r.get("rangeStart"), "rangeStart", net, "") or start
    if "rangeEnd" in r:
        e = _bound(out, path + ("rangeEnd",), r.get("rangeEnd"), "rangeEnd", net, "")
        if e is not None and e < start:
            out.add(path + ("rangeEnd",), f'rangeEnd "{e}" is before rangeStart "{start}"; swap them')
        elif e is not None:
            end = e
    gw = ipnet.first_host(net)
    if "gateway" in r:
        gw = _bound(out, path + ("gateway",), r.get("gateway"), "gateway", net, " (the subnet)") or gw
    return Pool(
        out.nad,
        "host-local",
        path + ("subnet",),
        net,
        (start, end),
        ("host-local",) + _nad_key(out.nad, plugin),
        gw,
        path + ("gateway",),
    )


def _host_local(out: NadIpam, plugin: CniPlugin, ipam: dict[str, Any]) -> None:
    base = plugin.ipam_path
    sets: list[tuple[NodePath, list[Any]]] = []
    ranges = ipam.get("ranges")
    if "subnet" in ipam:
        sets.append(((), [ipam]))
    if isinstance(ranges, list):
        sets.extend((("ranges", i), s) for i, s in enumerate(ranges) if isinstance(s, list))
    elif ranges is not None:
        out.add(
            base + ("ranges",),
            'ranges must be a list of range sets ([[{"subnet": ...}]]); wrap it in two lists',
        )
    if not sets and ranges is None:
        out.add(base, 'host-local IPAM has no "subnet" and no "ranges"; add a subnet')
        return
    earlier_sets: list[Pool] = []
    for set_path, items in sets:
        if not items:
            out.add(base + set_path, 'empty range set; add a {"subnet": ...} or remove the set')
            continue
        seen: list[Pool] = []
        for j, r in enumerate(items):
            if not isinstance(r, dict):
                continue
            path = base + set_path + ((j,) if set_path else ())
            pool = _host_local_range(out, plugin, r, path)
            if pool is None:
                continue
            for other in seen:
                if other.net.version != pool.net.version:
                    out.add(
                        pool.path,
                        f"range set mixes IPv{other.net.version} {other.net} and "
                        f"IPv{pool.net.version} {pool.net}; put each family in its "
                        f"own range set",
                    )
                    break
                if ipnet.ranges_overlap(other.range, pool.range):
                    out.add(
                        pool.path,
                        f"range {ipnet.range_text(pool.range)} overlaps range "
                        f"{ipnet.range_text(other.range)} of the same range set; "
                        f"make them disjoint",
                    )
                    break
            clash = next((o for o in earlier_sets if ipnet.ranges_overlap(o.range, pool.range)), None)
            if clash is not None:
                out.add(
                    pool.path,
                    f"range {ipnet.range_text(pool.range)} overlaps range "
                    f"{ipnet.range_text(clash.range)} of an earlier range set; host-local rejects "
                    f"overlapping range sets: make them disjoint",
                )
            seen.append(pool)
            out.pools.append(pool)
        earlier_sets.extend(seen)


def _static(out: NadIpam, plugin: CniPlugin, ipam: dict[str, Any]) -> None:
    addresses = ipam.get("addresses")
    if not isinstance(addresses, list):
        return
    for i, a in enumerate(addresses):
        if not isinstance(a, dict) or "address" not in a:
            continue
        path = plugin.ipam_path + ("addresses", i, "address")
        value = a.get("address")
        net = ipnet.parse_cidr(value)
        if net is None:
            out.add(
                path, f'address {value!r} is not a CIDR (static IPAM wants "10.1.0.5/24"); add the prefix'
            )
            continue
        ip = ipnet.parse_ip(value.strip().split("/", 1)[0])
        assert ip is not None
        out.pools.append(
            Pool(out.nad, "static", path, net, (ip, ip), ("static",) + _nad_key(out.nad, plugin))
        )


def _whereabouts_range(
    out: NadIpam, plugin: CniPlugin, r: dict[str, Any], path: NodePath, ipam: dict[str, Any], excludes_in: Any
) -> Pool | None:
    value = r.get("range")
    key = path + ("range",)
    start = end = None
    if isinstance(value, str) and "-" in value:
        first, _, rest = value.partition("-")
        net = ipnet.parse_cidr(rest)
        if net is None:
            out.add(key, f'range "{value}" does not end in a CIDR ("first-last/prefix"); fix the value')
            return None
        start = _ip(first)
        end = _ip(rest.strip().split("/", 1)[0])
        if start is None or not ipnet.contains(net, start):
            out.add(key, f'range start "{first}" is not an address inside {net}; fix "{value}"')
            return None
    else:
        net = ipnet.parse_cidr(value)
        if net is None:
            out.add(
                key,
                f'range {value!r} is not a CIDR ("10.1.0.0/24" or "10.1.0.10-10.1.0.20/24"); fix the value',
            )
            return None
        given = ipnet.parse_ip(value.strip().split("/", 1)[0])
        if given not in (net.network_address, ipnet.first_host(net)) and "range_start" not in r:
            out.add(
                key,
                f'range "{value}" has host bits set: whereabouts masks them and allocates from '
                f'{ipnet.first_host(net)}, not {given}; write "range": "{net}" with '
                f'"range_start": "{given}"',
            )
    lo, hi = ipnet.first_host(net), ipnet.last_host(net)
    if start is None and "range_start" in r:
        start = _bound(
            out,
            path + ("range_start",),
            r.get("range_start"),
            "range_start",
            net,
            " (whereabouts ignores it silently)",
        )
    if end is None and "range_end" in r:
        end = _bound(
            out,
            path + ("range_end",),
            r.get("range_end"),
            "range_end",
            net,
            " (whereabouts ignores it silently)",
        )
    start = max(start, lo) if start is not None else lo
    end = min(end, hi) if end is not None else hi
    if end < start:
        out.add(
            path + ("range_end",) if "range_end" in r else key,
            f"range end {end} is before range start {start}: whereabouts ignores it and allocates up to "
            f"{hi}; swap them",
        )
        end = hi
    excludes: list[ipnet.IPNet] = []
    ex_path = path + ("exclude",)
    if isinstance(excludes_in, list):
        for i, x in enumerate(excludes_in):
            xn = ipnet.parse_cidr(x)
            if xn is None:
                out.add(
                    ex_path + (i,),
                    f"exclude entry {x!r} is not a CIDR; give it a prefix length, e.g. "
                    f'"{net.network_address + 1}/32"',
                )
            else:
                excludes.append(xn)
    name = ipam.get("network_name")
    name = name if isinstance(name, str) else ""
    gw = _ip(ipam.get("gateway"))
    return Pool(
        out.nad,
        "whereabouts",
        key,
        net,
        (start, end),
        ("whereabouts", name, str(net)),
        gw,
        plugin.ipam_path + ("gateway",),
        tuple(excludes),
    )


def _whereabouts(out: NadIpam, plugin: CniPlugin, ipam: dict[str, Any]) -> None:
    base = plugin.ipam_path
    if "range" in ipam:
        pool = _whereabouts_range(out, plugin, ipam, base, ipam, ipam.get("exclude"))
        if pool is not None:
            out.pools.append(pool)
    ranges = ipam.get("ipRanges")
    if isinstance(ranges, list):
        for i, r in enumerate(ranges):
            if isinstance(r, dict) and "range" in r:
                pool = _whereabouts_range(out, plugin, r, base + ("ipRanges", i), ipam, r.get("exclude"))
                if pool is not None:
                    out.pools.append(pool)
    if "range" not in ipam and not isinstance(ranges, list):
        out.add(base, 'whereabouts IPAM has no "range" and no "ipRanges"; add a range')


_CACHE: weakref.WeakKeyDictionary[Any, dict[int, NadIpam]] = weakref.WeakKeyDictionary()


def nad_ipam(repo: Repo, nad: Nad) -> NadIpam:
    """One NAD's IPAM, parsed once per repo."""
    memo = _CACHE.get(repo)
    if memo is None:
        memo = _CACHE[repo] = {}
    got = memo.get(id(nad))
    if got is None:
        got = memo[id(nad)] = parse_nad(nad)
    return got


def repo_ipam(repo: Repo, nads: Iterable[Nad] | None = None) -> tuple[NadIpam, ...]:
    """The IPAM of these NADs (default: every NAD) in path order."""
    chosen = repo.nads if nads is None else nads
    return tuple(nad_ipam(repo, n) for n in sorted(chosen, key=lambda n: (n.obj.path, n.obj.doc.index, n.obj.base)))


def iter_pools(repo: Repo, nads: Iterable[Nad] | None = None) -> Iterator[Pool]:
    for n in repo_ipam(repo, nads):
        yield from n.pools
