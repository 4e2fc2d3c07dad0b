"""IP address planning (EKSA501-506): NAD IPAM pools that are invalid, collide with each other, with the
cluster's pod/service CIDRs or with node addresses; pod/service CIDRs that collide with the nodes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eksa_lint import ipnet
from eksa_lint.ipam import Pool, iter_pools, repo_ipam
from eksa_lint.model import EksaCluster, Ref, Repo, Violation
from eksa_lint.registry import ERROR, rule

# Node addresses a cluster owns: (where in the Cluster/datacenter or which CSV column, what it is).
HARDWARE_COLUMNS = (("ip_address", "node ip_address"), ("gateway", "node gateway"), ("bmc_ip", "BMC bmc_ip"))
ENDPOINT_PATH = ("spec", "controlPlaneConfiguration", "endpoint", "host")
TINKERBELL_IP_PATH = ("spec", "tinkerbellIP")
CIDR_PATHS = (
    ("pods", ("spec", "clusterNetwork", "pods", "cidrBlocks")),
    ("services", ("spec", "clusterNetwork", "services", "cidrBlocks")),
)


def _node_addresses(repo: Repo, cluster: EksaCluster) -> Iterator[tuple[ipnet.IPAddr, str, Ref, Any]]:
    """(address, what, where, how to report) for each node address of `cluster`: the report handle is
    ("obj", obj, path) or ("row", HardwareRow, column)."""
    ip = ipnet.parse_ip(cluster.endpoint_host)
    if ip is not None:
        yield (
            ip,
            "control-plane endpoint",
            cluster.obj.ref(ENDPOINT_PATH, "value"),
            ("obj", cluster.obj, ENDPOINT_PATH),
        )
    dc = cluster.datacenter
    ip = ipnet.parse_ip(cluster.tinkerbell_ip)
    if ip is not None and dc is not None:
        yield ip, "tinkerbellIP", dc.ref(TINKERBELL_IP_PATH, "value"), ("obj", dc, TINKERBELL_IP_PATH)
    for row in repo.hardware:
        if repo.cluster_for(row.file) is not cluster:
            continue
        for column, what in HARDWARE_COLUMNS:
            ip = ipnet.parse_ip(row.get(column))
            if ip is not None:
                yield (
                    ip,
                    f"{what} of hardware {row.get('hostname') or row.row.line}",
                    row.ref(column),
                    ("row", row, column),
                )


def _cluster_cidrs(cluster: EksaCluster) -> Iterator[tuple[str, tuple[Any, ...], ipnet.IPNet]]:
    for what, base in CIDR_PATHS:
        blocks = cluster.obj.get(*base)
        if not isinstance(blocks, list):
            continue
        for i, value in enumerate(blocks):
            net = ipnet.parse_cidr(value)
            if net is not None:
                yield what, base + (i,), net


@rule(
    id="EKSA501", reports_on=("NetworkAttachmentDefinition",),
    name="ipam-range-invalid",
    severity=ERROR,
    tags=("multus", "ipam"),
    summary="A NAD's IPAM ranges are unparsable or inconsistent.",
)
def ipam_range_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks the IPAM object of every NetworkAttachmentDefinition plugin: host-local `subnet`, `rangeStart`,
    `rangeEnd`, `gateway` and `ranges` sets; static `addresses`; whereabouts `range` (CIDR or
    `first-last/prefix`), `range_start`, `range_end`, `exclude` and `ipRanges`. Flags unparsable addresses,
    a subnet with host bits set, bounds or gateway outside the subnet, a start after the end, a subnet too
    small to allocate from (/31, /32, /127, /128), an empty range set, mixed families or overlapping ranges
    inside one range set, overlapping range sets, and whereabouts `range_start`/`range_end` outside `range`.

    ## Why is this bad?
    host-local refuses the config and every pod using the network fails to start (`ContainerCreating`,
    "not in network"). whereabouts does not check `range_start`/`range_end` against `range`, so an address
    outside it is silently ignored and pods get addresses you did not plan for.

    ## Example
    ```yaml
    spec:
      config: '{"type": "ipvlan", "master": "eth1",
                "ipam": {"type": "host-local", "subnet": "198.17.0.0/24",
                         "rangeStart": "198.17.1.200", "rangeEnd": "198.17.0.216"}}'
    ```

    ## Use instead
    ```yaml
    spec:
      config: '{"type": "ipvlan", "master": "eth1",
                "ipam": {"type": "host-local", "subnet": "198.17.0.0/24",
                         "rangeStart": "198.17.0.200", "rangeEnd": "198.17.0.216"}}'
    ```

    ## Source
    containernetworking/plugins `plugins/ipam/host-local/backend/allocator/range.go` (`Range.Canonicalize`:
    "Network ... too small to allocate from" when the prefix leaves fewer than 2 host bits, gateway and
    rangeStart/rangeEnd must be in the subnet, rangeEnd must not be before rangeStart), `range_set.go`
    (a set must not be empty; ranges in one set must be one family and must not overlap) and
    `plugins/ipam/host-local/backend/allocator/config.go` (range sets must not overlap each other);
    whereabouts `pkg/config/config.go`
    (`range` as CIDR or `first-last/prefix`; without `range_start` the range's host bits are masked off;
    `exclude` must be CIDRs) and `pkg/allocate/allocate.go` (`range_start`/`range_end` are honoured only
    inside the range, otherwise silently ignored).
    """
    for n in repo_ipam(repo, repo.subjects.nads):
        for path, message in n.problems:
            yield n.nad.obj.violation(path, message)


@rule(
    id="EKSA502", reports_on=("NetworkAttachmentDefinition",),
    name="ipam-gateway-allocatable",
    severity=ERROR,
    tags=("multus", "ipam"),
    summary="A whereabouts gateway lies inside the range and is not excluded.",
)
def ipam_gateway_allocatable(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a whereabouts IPAM `gateway` that lies inside the allocatable range and is not covered by an
    `exclude` entry.

    ## Why is this bad?
    whereabouts hands out every address of the range that is not excluded, the gateway included: a pod
    gets the router's address and traffic of the whole network breaks. host-local skips its gateway, so
    configs copied from host-local examples hit this.

    ## Example
    ```yaml
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts",
              "range": "10.10.0.0/24", "gateway": "10.10.0.1"}}'
    ```

    ## Use instead
    ```yaml
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts",
              "range": "10.10.0.0/24", "exclude": ["10.10.0.1/32"], "gateway": "10.10.0.1"}}'
    ```

    ## Source
    k8snetworkplumbingwg/whereabouts `pkg/config/config.go` (`gateway` is only parsed and returned in the
    result) and `pkg/allocate/allocate.go` (`IterateForAssignment` walks first..last usable address and skips
    only reserved IPs and `exclude` subnets); containernetworking/plugins
    `plugins/ipam/host-local/backend/allocator/allocator.go` (host-local skips the range's gateway).
    """
    for pool in iter_pools(repo, repo.subjects.nads):
        if pool.ipam_type != "whereabouts" or pool.gateway is None or not pool.hands_out(pool.gateway):
            continue
        yield pool.nad.obj.violation(
            pool.gateway_path or pool.path,
            f'gateway "{pool.gateway}" is inside whereabouts range '
            f"{ipnet.range_text(pool.range)} and not excluded, so a pod can get it; add "
            f'"{pool.gateway}/{pool.gateway.max_prefixlen}" to "exclude" or start the '
            f"range after it",
        )


def _shares_allocator(a: Pool, b: Pool) -> bool:
    return a.allocator == b.allocator


def _excluded(pool: Pool, lo: ipnet.IPAddr, hi: ipnet.IPAddr) -> bool:
    """The whole of [lo, hi] lies in one of the pool's exclude CIDRs."""
    return any(ipnet.contains(x, lo) and ipnet.contains(x, hi) for x in pool.excludes)


@rule(
    id="EKSA503", reports_on=("NetworkAttachmentDefinition",),
    name="ipam-pool-overlap",
    severity=ERROR,
    tags=("multus", "ipam"),
    summary="Two NADs allocate from overlapping pools independently.",
)
def ipam_pool_overlap(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Compares the allocatable pools of every pair of NetworkAttachmentDefinitions and flags overlaps that are
    allocated independently: different IPAM types, two host-local NADs, a static address inside another
    NAD's pool, or whereabouts pools with a different `network_name` or a different `range`. Two whereabouts
    NADs with the same `network_name` and the same `range` share one IPPool and are not flagged. NADs are
    compared within the Cluster that owns them; NADs no Cluster owns only with others in the same file.

    ## Why is this bad?
    Each allocator tracks only its own leases, so two pods get the same address on the same wire.

    ## Example
    ```yaml
    # net-a
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "10.20.0.0/24"}}'
    # net-b
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts", "range": "10.20.0.0/25"}}'
    ```

    ## Use instead
    ```yaml
    # net-b
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts", "range": "10.20.1.0/25"}}'
    ```

    ## Source
    k8snetworkplumbingwg/whereabouts `pkg/storage/kubernetes/ipam.go` (`IPPoolName`: one IPPool per
    `network_name` and normalized `range` CIDR, stored in whereabouts' own namespace, so NADs in different
    namespaces with the same range and network name share it); containernetworking/plugins
    `plugins/ipam/host-local/backend/disk/backend.go` (host-local keeps leases on each node's disk, per
    network).
    """
    # NADs by owning cluster (from paths alone); only groups holding a reported NAD are parsed and compared
    if not repo.subjects.nads:
        return
    def group_of(path: str) -> Any:
        owner = repo.cluster_for(path)
        return id(owner) if owner is not None else path

    wanted = {group_of(n.obj.path) for n in repo.subjects.nads}
    owners = [c for n in repo.subjects.nads if (c := repo.cluster_for(n.obj.path)) is not None]
    could = repo.may_belong(owners)  # only paths under the owners' folders can share their group
    mine = {n.obj.path for n in repo.subjects.nads}
    groups: dict[Any, list[Any]] = {}
    for nad in repo.where("nads", lambda path: (path in mine or could(path)) and group_of(path) in wanted):
        groups.setdefault(group_of(nad.obj.path), []).append(nad)
    for nads in groups.values():
        reported = [_order(n) for n in nads if n.obj.file.reported]
        if reported:
            # a finding is on the later of two NADs (in path order): NADs after the last reported one cannot
            # change the reported ones' findings, so a one-file run leaves them unparsed
            last = max(reported)
            yield from _overlaps_in(list(iter_pools(repo, [n for n in nads if _order(n) <= last])))


def _order(n: Any) -> tuple[Any, ...]:
    """A NAD's place in path order (as repo_ipam sorts them)."""
    return n.obj.path, n.obj.doc.index, n.obj.base


def _overlaps_in(pools: list[Pool]) -> Iterator[Violation]:
    """One finding per pool that overlaps an earlier (in path order) pool; a sweep over range starts keeps
    this near-linear unless many pools really overlap."""
    order = {id(p): i for i, p in enumerate(pools)}
    first_clash: dict[int, tuple[int, Pool, ipnet.IPAddr, ipnet.IPAddr]] = {}
    active: list[Pool] = []
    for pool in sorted(pools, key=lambda p: (p.range[0].version, p.range[0], order[id(p)])):
        active = [
            a for a in active if a.range[0].version == pool.range[0].version and a.range[1] >= pool.range[0]
        ]
        for other in active:
            if other.nad.obj.identity == pool.nad.obj.identity or _shares_allocator(other, pool):
                continue
            lo, hi = pool.range[0], min(other.range[1], pool.range[1])
            if _excluded(other, lo, hi) or _excluded(pool, lo, hi):
                continue
            earlier, later = sorted((other, pool), key=lambda p: order[id(p)])
            seen = first_clash.get(order[id(later)])
            if seen is None or seen[0] > order[id(earlier)]:
                first_clash[order[id(later)]] = (order[id(earlier)], earlier, lo, hi)
        active.append(pool)
    for j in sorted(first_clash):
        later = pools[j]
        _, earlier, lo, hi = first_clash[j]
        yield later.nad.obj.violation(
            later.path,
            f'{later.describe()} of "{later.nad.name}" overlaps {earlier.describe()} of NAD '
            f'"{earlier.nad.name}" ({ipnet.range_text((lo, hi))}); the two allocate independently and can '
            f"give two pods the same address: make the pools disjoint",
            related=[(earlier.nad.obj.ref(earlier.path), "overlapping pool")],
        )


@rule(
    id="EKSA504", reports_on=("NetworkAttachmentDefinition",),
    name="ipam-overlaps-cluster-cidr",
    severity=ERROR,
    tags=("multus", "ipam"),
    summary="A NAD pool overlaps the cluster's pods or services CIDR.",
)
def ipam_overlaps_cluster_cidr(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a NetworkAttachmentDefinition pool that overlaps the pods or services CIDR
    (`spec.clusterNetwork.pods.cidrBlocks`, `services.cidrBlocks`) of the Cluster that owns it.

    ## Why is this bad?
    A pod's secondary address collides with another pod's primary address or a Service ClusterIP; routes on
    the pod send that traffic out of the wrong interface.

    ## Example
    ```yaml
    clusterNetwork: {pods: {cidrBlocks: [192.168.0.0/16]}, services: {cidrBlocks: [10.96.0.0/12]}}
    # NAD
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "192.168.10.0/24"}}'
    ```

    ## Use instead
    ```yaml
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "172.30.10.0/24"}}'
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster.go` (`clusterNetwork.pods.cidrBlocks`,
    `services.cidrBlocks`: the cluster's address plan, routed by Cilium inside the cluster); EKS-A docs
    "Multus CNI plugin configuration" (secondary networks are separate networks attached with `master`).
    """
    for pool in iter_pools(repo, repo.subjects.nads):
        cluster = repo.cluster_for(pool.nad.obj)
        if cluster is None:
            continue
        for what, path, net in _cluster_cidrs(cluster):
            if ipnet.ranges_overlap(pool.range, ipnet.net_range(net)):
                yield pool.nad.obj.violation(
                    pool.path,
                    f'{pool.describe()} of "{pool.nad.name}" overlaps the cluster\'s {what} CIDR {net} '
                    f'(cluster "{cluster.name}"); pick a secondary network outside the pod and service CIDRs',
                    related=[(cluster.obj.ref(path, "value"), f"{what} CIDR")],
                )
                break


@rule(
    id="EKSA505", reports_on=("NetworkAttachmentDefinition",),
    name="ipam-overlaps-node-address",
    severity=ERROR,
    tags=("multus", "ipam"),
    summary="A NAD pool can hand out a node, endpoint or Tinkerbell address.",
)
def ipam_overlaps_node_address(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a NetworkAttachmentDefinition pool that can hand out an address the cluster already uses: the
    control-plane endpoint (`controlPlaneConfiguration.endpoint.host`), the datacenter's `tinkerbellIP`, or a
    hardware CSV row's `ip_address`, `gateway` or `bmc_ip`. Addresses in `exclude` and a host-local pool's own
    gateway are not flagged.

    ## Why is this bad?
    A pod takes a node's, the API server VIP's or the BMC's address on the same L2 network: ARP conflicts
    take the node or the whole control plane off the network.

    ## Example
    ```yaml
    controlPlaneConfiguration: {endpoint: {host: 10.0.0.100}}
    # NAD
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts", "range": "10.0.0.0/24"}}'
    ```

    ## Use instead
    ```yaml
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts", "range": "10.0.0.0/24",
              "range_start": "10.0.0.200", "range_end": "10.0.0.250"}}'
    ```

    ## Source
    aws/eks-anywhere `pkg/providers/tinkerbell/assert.go` (`AssertTinkerbellIPNotInUse`,
    `AssertTinkerbellIPAndControlPlaneIPNotSame`) and the providers' `validateControlPlaneIpUniqueness`: the
    endpoint host and tinkerbellIP must be distinct addresses nobody else answers on; aws/eks-anywhere
    `pkg/providers/tinkerbell/hardware/machine.go` (`Machine` CSV columns `ip_address`, `gateway`, `bmc_ip`).
    The ARP-conflict consequence is general IPv4 behaviour, not an EKS-A statement.
    """
    node_cache: dict[int, list[tuple[ipnet.IPAddr, str, Ref, Any]]] = {}
    for pool in iter_pools(repo, repo.subjects.nads):
        cluster = repo.cluster_for(pool.nad.obj)
        if cluster is None:
            continue
        addrs = node_cache.get(id(cluster))
        if addrs is None:
            addrs = node_cache[id(cluster)] = list(_node_addresses(repo, cluster))
        hits = [(ip, what, ref) for ip, what, ref, _ in addrs if pool.hands_out(ip)]
        if not hits:
            continue
        listed = ", ".join(f"{what} {ip}" for ip, what, _ in hits[:5]) + (" ..." if len(hits) > 5 else "")
        yield pool.nad.obj.violation(
            pool.path,
            f'{pool.describe()} of "{pool.nad.name}" contains {len(hits)} node address(es) of cluster '
            f'"{cluster.name}": {listed}; shrink the range or add them to "exclude"',
            related=[(ref, what) for _, what, ref in hits],
        )


@rule(
    id="EKSA506", reports_on=("Cluster", "*DatacenterConfig", "file:csv"),
    name="cluster-cidr-overlap",
    severity=ERROR,
    tags=("ipam",),
    summary="Pods and services CIDRs overlap each other or a node address.",
)
def cluster_cidr_overlap(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a Cluster whose pods and services CIDRs overlap, and a node address (control-plane endpoint,
    `tinkerbellIP`, hardware CSV `ip_address`/`gateway`/`bmc_ip`) that lies in either CIDR.

    ## Why is this bad?
    Overlapping pod and service ranges make ClusterIPs ambiguous; a node address inside them is routed into
    the overlay instead of the node network, so nodes, the API endpoint or the Tinkerbell stack become
    unreachable from pods and the cluster fails to come up.

    ## Example
    ```yaml
    clusterNetwork:
      pods: {cidrBlocks: [10.96.0.0/12]}
      services: {cidrBlocks: [10.96.0.0/16]}
    ```

    ## Use instead
    ```yaml
    clusterNetwork:
      pods: {cidrBlocks: [192.168.0.0/16]}
      services: {cidrBlocks: [10.96.0.0/12]}
    ```

    ## Source
    aws/eks-anywhere `docs/content/en/docs/getting-started/_configuration/cluster_clusterNetwork.html` (the
    cluster-spec reference included by every provider page): the pod CIDR must not overlap the host or
    service ranges, and the service CIDR must not overlap the host or pod ranges. aws/eks-anywhere
    `pkg/api/v1alpha1/cluster.go` `validateNetworking` enforces part of it: on Snow it rejects a control-plane
    endpoint inside the pods or services CIDR; the version read has no pods/services overlap check. Not
    confirmed upstream: that the blocks are immutable after creation.
    """
    for cluster in repo.clusters:
        cidrs = list(_cluster_cidrs(cluster))
        pods = [c for c in cidrs if c[0] == "pods"]
        for _, s_path, s_net in (c for c in cidrs if c[0] == "services"):
            for _, p_path, p_net in pods:
                if ipnet.overlaps(s_net, p_net):
                    yield cluster.obj.violation(
                        s_path,
                        f"services CIDR {s_net} overlaps pods CIDR {p_net}; use disjoint ranges "
                        f"(for example pods 192.168.0.0/16, services 10.96.0.0/12)",
                        at="value",
                        related=[(cluster.obj.ref(p_path, "value"), "pods CIDR")],
                    )
                    break
        if not cidrs:
            continue
        for ip, what, ref, (kind, holder, where) in _node_addresses(repo, cluster):
            hit = next(((w, p, n) for w, p, n in cidrs if ipnet.contains(n, ip)), None)
            if hit is None:
                continue
            w, p, n = hit
            message = (
                f'{what} {ip} is inside the {w} CIDR {n} of cluster "{cluster.name}"; pods and services '
                f"must not use node addresses: move the {w} CIDR or the address"
            )
            related = [(cluster.obj.ref(p, "value"), f"{w} CIDR")]
            if kind == "obj":
                yield holder.violation(where, message, at="value", related=related)
            else:
                yield holder.violation(where, message, related=related)
