"""Multus and NetworkAttachmentDefinitions (EKSA401-409): secondary networks that EKS-A cannot run or that
collide with the cluster network."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from eksa_lint import ipnet
from eksa_lint.model import NAD_GROUP, WORKLOAD_KINDS, Repo, Violation, Workload
from eksa_lint.multus import NETWORKS_ANNOTATION, parse_networks
from eksa_lint.registry import ERROR, NOTE, WARNING, rule

MASTER_PLUGINS = ("ipvlan", "macvlan", "vlan")


def _annotated(workloads: Iterable[Workload]) -> Iterator[tuple[Workload, Any]]:
    for w in workloads:
        value = w.pod_annotations.get(NETWORKS_ANNOTATION)
        if value is not None:
            yield w, value


def _ann_path(w: Workload) -> tuple[Any, ...]:
    return w.annotations_path + (NETWORKS_ANNOTATION,)


@rule(id="EKSA401", reports_on=("NetworkAttachmentDefinition", *WORKLOAD_KINDS), name="multus-provider-unsupported", severity=ERROR, tags=("multus",),
      summary="Multus secondary networks on a provider other than Bare Metal.")
def multus_provider_unsupported(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags NetworkAttachmentDefinitions and network annotations owned by a cluster whose provider is not
    Bare Metal (Tinkerbell).

    ## Why is this bad?
    EKS Anywhere supports Multus only on Bare Metal clusters.

    ## Example
    ```yaml
    kind: Cluster
    spec: {datacenterRef: {kind: VSphereDatacenterConfig, name: dc}}
    ```

    ## Use instead
    ```yaml
    kind: Cluster
    spec: {datacenterRef: {kind: TinkerbellDatacenterConfig, name: dc}}
    ```

    ## Source
    EKS-A docs, "Multus CNI plugin configuration": Multus support is only available with the Bare Metal
    provider (vSphere and CloudStack machines have no multi-network support).
    """
    for nad in repo.subjects.nads:
        c = repo.cluster_for(nad.obj)
        if c is not None and c.provider not in (None, "tinkerbell"):
            yield nad.obj.violation(("kind",), f'NetworkAttachmentDefinition "{nad.name}" belongs to cluster '
                                    f'"{c.name}" with provider {c.provider}; Multus is supported on Bare Metal '
                                    f"(Tinkerbell) only: remove it or move the workload to a Bare Metal cluster")
    for w, _ in _annotated(repo.subjects.workloads):
        c = repo.cluster_for(w.obj)
        if c is not None and c.provider not in (None, "tinkerbell"):
            yield w.obj.violation(_ann_path(w), f'{NETWORKS_ANNOTATION} on cluster "{c.name}" with provider '
                                  f"{c.provider}; Multus is supported on Bare Metal (Tinkerbell) only")


@rule(id="EKSA402", reports_on=("NetworkAttachmentDefinition",), name="nad-master-unknown", severity=ERROR, tags=("multus",),
      summary="A NAD's master is not a configured host interface.")
def nad_master_unknown(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    When `hosts.interfaces` is configured, flags a `master` that is not one of them.

    ## Why is this bad?
    The plugin fails to create the pod interface on a link that does not exist.

    ## Example
    ```yaml
    config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth9"}'
    ```

    ## Use instead
    ```yaml
    config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1"}'
    ```

    ## Source
    containernetworking/plugins `plugins/main/macvlan/macvlan.go`: `loadConf` calls `getMTUByName(master)`
    (`netlink.LinkByName`), which fails for a missing link, and `createMacvlan` looks the master up again and
    fails the same way; `plugins/main/vlan/vlan.go` (`loadConf`, `createVlan`) does the same lookups.
    """
    for nad in repo.subjects.nads:
        hosts = repo.hosts_for(nad.obj)
        if hosts.interfaces is None:
            continue
        for p in nad.plugins:
            m = p.data.get("master")
            if isinstance(m, str) and m not in hosts.interfaces:
                yield nad.obj.violation(p.path + ("master",), f'master "{m}" is not a host interface '
                                        f"(configured: {', '.join(hosts.interfaces)}); use one of them")


@rule(id="EKSA403", reports_on=("NetworkAttachmentDefinition",), name="nad-master-implicit", severity=WARNING, tags=("multus",),
      summary="ipvlan/macvlan without master uses the default-route interface; vlan without master is refused.")
def nad_master_implicit(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags ipvlan, macvlan and vlan plugins without `master` (vlan as an error).

    ## Why is this bad?
    macvlan and ipvlan then use the host's default-route interface, the cluster network. vlan does not
    default: it refuses a config without master, so the pod never starts.

    ## Example
    ```yaml
    config: '{"cniVersion": "0.3.1", "type": "macvlan"}'
    ```

    ## Use instead
    ```yaml
    config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1"}'
    ```

    ## Source
    containernetworking/plugins `plugins/main/macvlan/macvlan.go` `loadConf` (empty master ->
    `getDefaultRouteInterfaceName`); `plugins/main/ipvlan/ipvlan.go` config loading (same default, or the
    previous result's single interface when chained); `plugins/main/vlan/vlan.go` `loadConf` (empty master is
    an error, no default).
    """
    for nad in repo.subjects.nads:
        for p in nad.plugins:
            if p.data.get("master") not in (None, ""):
                continue  # an empty master is the same as none to the plugins
            if p.type == "vlan":
                v = nad.obj.violation(p.path + ("type",), 'vlan plugin has no "master"; the vlan plugin requires '
                                      "it (there is no default), so pods using this network never start: set "
                                      "master to the parent NIC of the VLAN")
                yield Violation(v.ref, v.message, v.obj, v.related, v.fix, ERROR)
            elif p.type in MASTER_PLUGINS:
                yield nad.obj.violation(p.path + ("type",), f'{p.type} plugin has no "master", so it uses the '
                                        f"host's default-route interface (the cluster network); set master "
                                        f"to a dedicated NIC")


@rule(id="EKSA404", reports_on=("NetworkAttachmentDefinition",), name="nad-master-is-primary", severity=WARNING, tags=("multus",),
      summary="A secondary network uses the NIC that carries the cluster overlay.")
def nad_master_is_primary(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a `master` equal to the primary interface (`hosts.primary-interface`, default `eth0`).

    ## Why is this bad?
    The primary NIC carries the cluster overlay; sharing it defeats the point of a secondary network.

    ## Example
    ```yaml
    config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth0"}'
    ```

    ## Use instead
    ```yaml
    config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1"}'
    ```

    ## Source
    EKS-A docs "Multus CNI plugin configuration" (`cluster-multus.md`): cluster machines need multiple network
    interfaces, the pod interfaces map to them, and the example NAD uses `eth1` as master; EKS-A docs "Secure
    connectivity with CNI and Network Policy" (the Cilium overlay between nodes is Geneve). Not confirmed
    upstream as a requirement: neither page forbids using the primary interface as master; the warning is this
    rule's judgment.
    """
    for nad in repo.subjects.nads:
        hosts = repo.hosts_for(nad.obj)
        others = [i for i in (hosts.interfaces or ()) if i != hosts.primary_interface]
        hint = others[0] if others else "eth1"
        for p in nad.plugins:
            if p.data.get("master") == hosts.primary_interface:
                yield nad.obj.violation(p.path + ("master",), f'master "{hosts.primary_interface}" is the primary '
                                        f"interface; attach the secondary network to a dedicated NIC such as "
                                        f'"{hint}"')


@rule(id="EKSA405", reports_on=WORKLOAD_KINDS, name="network-annotation-invalid", severity=ERROR, tags=("multus",),
      summary="A k8s.v1.cni.cncf.io/networks annotation Multus cannot parse.")
def network_annotation_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Parses the networks annotation as Multus does (text `[ns/]name[@ifname]` or a JSON list).

    ## Why is this bad?
    Multus fails the pod sandbox when the annotation does not parse.

    ## Example
    ```yaml
    k8s.v1.cni.cncf.io/networks: a/b/c
    ```

    ## Use instead
    ```yaml
    k8s.v1.cni.cncf.io/networks: b/c@net1
    ```

    ## Source
    k8snetworkplumbingwg/multus-cni `pkg/k8sclient/k8sclient.go`: `parsePodNetworkAnnotation` (JSON, else a
    comma-separated list) and `parsePodNetworkObjectText` (more than one `/` or `@` is an error; names must
    be DNS-1123 labels).
    """
    for w, value in _annotated(repo.subjects.workloads):
        for err in parse_networks(value).errors:
            yield w.obj.violation(_ann_path(w), f"{NETWORKS_ANNOTATION}: {err}", at="value")


@rule(id="EKSA406", reports_on=WORKLOAD_KINDS, name="network-attachment-missing", severity=ERROR, tags=("multus",),
      summary="The networks annotation names a NAD that is not in the repo.")
def network_attachment_missing(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a network in the annotation with no NetworkAttachmentDefinition in the repo (namespace: the
    annotation's, else the workload's, else `default`). Silent when the repo holds no NAD at all (they are
    then managed elsewhere).

    ## Why is this bad?
    Multus cannot find the NAD and the pod stays in ContainerCreating.

    ## Example
    ```yaml
    k8s.v1.cni.cncf.io/networks: missing-net
    ```

    ## Use instead
    ```yaml
    k8s.v1.cni.cncf.io/networks: macvlan-conf
    ```

    ## Source
    k8snetworkplumbingwg/multus-cni `pkg/k8sclient/k8sclient.go`: `getKubernetesDelegate` fails when the
    NetworkAttachmentDefinition cannot be fetched and records a `NoNetworkFound` event;
    `parsePodNetworkAnnotation` gives a network without a namespace the pod's namespace.
    """
    annotated = list(_annotated(repo.subjects.workloads))
    if not annotated or "NetworkAttachmentDefinition" not in repo.kinds or not repo.nads:
        return
    for w, value in annotated:
        for sel in parse_networks(value).selections:
            ns = sel.namespace or w.namespace
            if repo.nad(sel.name, ns) is None:
                yield w.obj.violation(_ann_path(w), f'network "{ns}/{sel.name}" has no '
                                      f"NetworkAttachmentDefinition in the repo; add it or fix the name", at="value")


def _resolve(repo: Repo, w: Workload, name: str, ns: str) -> Any:
    """The NAD a workload names: one in the same file, else the same folder, else any in the repo."""
    cands = [n for n in repo.namespaced("nads", ns) if n.name == name and n.namespace == ns]
    for same in (lambda n: n.obj.path == w.obj.path, lambda n: n.obj.folder == w.obj.folder, lambda n: True):
        hit = [n for n in cands if same(n)]
        if hit:
            return hit[0]
    return None


def _nad_nets(nad: Any) -> list[Any]:
    nets = []
    for p in nad.plugins:
        ipam = p.ipam or {}
        for key in ("subnet", "range"):
            n = ipnet.parse_cidr(ipam.get(key))
            if n is not None:
                nets.append(n)
        ranges = ipam.get("ranges")
        if isinstance(ranges, list):
            for rs in ranges:
                for r in rs if isinstance(rs, list) else []:
                    n = ipnet.parse_cidr(r.get("subnet")) if isinstance(r, dict) else None
                    if n is not None:
                        nets.append(n)
    return nets


@rule(id="EKSA407", reports_on=WORKLOAD_KINDS, name="requested-ip-invalid", severity=ERROR, tags=("multus", "ipam"),
      summary="A requested IP the NAD's IPAM cannot honour, or that collides.")
def requested_ip_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks JSON `ips`: the NAD's plugin must declare `"capabilities": {"ips": true}` (static IPAM alone is not
    enough), the IPs must be inside its subnet, not requested twice, not on a template with more than one
    replica.

    ## Why is this bad?
    The IP is ignored, or two pods get the same address. Multus hands the requested `ips` to the plugin as a
    runtime capability argument, which the runtime passes only to a plugin declaring
    `"capabilities": {"ips": true}`; without it static IPAM never sees them.

    ## Example
    ```yaml
    k8s.v1.cni.cncf.io/networks: '[{"name": "static-net", "ips": ["10.1.1.5/24"]}]'
    # static-net: {"type": "macvlan", "master": "eth1", "ipam": {"type": "static"}}
    ```

    ## Use instead
    ```yaml
    k8s.v1.cni.cncf.io/networks: '[{"name": "static-ips-net", "ips": ["10.1.1.5/24"]}]'
    # static-ips-net: {"type": "macvlan", "master": "eth1", "capabilities": {"ips": true},
    #                  "ipam": {"type": "static"}}
    ```

    ## Source
    k8snetworkplumbingwg/multus-cni `pkg/k8sclient/k8sclient.go` `parsePodNetworkAnnotation` (each `ips`
    entry must parse as an IP or CIDR). containernetworking/plugins `plugins/ipam/static/README.md`: static
    takes requested addresses from the `ips` capability argument (runtimeConfig, passed only to a plugin whose
    config declares `"capabilities": {"ips": true}`), the `ips` args convention, or CNI_ARGS `IP=`, in that
    priority; `plugins/ipam/host-local/README.md` lists `ips` only as an args convention (its capability
    argument is `ipRanges`). So static IPAM without `capabilities.ips` does not receive the annotation's ips;
    published Multus examples pair the two.
    """
    # A requested IP is checked against every workload before it (path order), so when a reported workload
    # requests one, all are read; otherwise only the reported ones.
    wants_ips = any(sel.ips for _, v in _annotated(repo.subjects.workloads) for sel in parse_networks(v).selections)
    seen: dict[str, Any] = {}
    for w, value in _annotated(repo.workloads if wants_ips else ()):
        for sel in parse_networks(value).selections:
            if not sel.ips:
                continue
            path = _ann_path(w)
            if w.replicas is not None and w.replicas > 1:
                yield w.obj.violation(path, f"fixed ips {list(sel.ips)} on a template with {w.replicas} replicas; "
                                      f"every replica asks for the same address: use one replica per IP",
                                      at="value")
            for ip in sel.ips:
                key = ip.split("/")[0]
                if key in seen and seen[key] is not w:
                    yield w.obj.violation(path, f"ip {ip} is also requested by {seen[key].obj.kind} "
                                          f'"{seen[key].obj.name}"; give each workload its own address',
                                          at="value")
                seen.setdefault(key, w)
            nad = _resolve(repo, w, sel.name, sel.namespace or w.namespace)
            if nad is None:
                continue
            caps = (nad.config or {}).get("capabilities")
            honours = any(isinstance(p.data.get("capabilities"), dict) and p.data["capabilities"].get("ips")
                          for p in nad.plugins) or (isinstance(caps, dict) and caps.get("ips"))
            if not honours:
                yield w.obj.violation(path, f'network "{sel.name}" declares no capabilities.ips, so ips '
                                      f"{list(sel.ips)} are not passed to its IPAM and are ignored; add "
                                      '"capabilities": {"ips": true} with static IPAM', at="value")
                continue
            nets = _nad_nets(nad)
            for ip in sel.ips:
                addr = ipnet.parse_ip(ip.split("/")[0])
                if nets and addr is not None and not any(ipnet.contains(n, addr) for n in nets):
                    yield w.obj.violation(path, f'ip {ip} is outside network "{sel.name}" '
                                          f"({', '.join(map(str, nets))}); pick an address inside it", at="value")


@rule(id="EKSA408", reports_on=("Cluster",), name="cilium-cni-exclusive-with-multus", severity=NOTE, tags=("multus", "cilium"),
      summary="Cilium's cni.exclusive renames other CNI configs while Multus is in use.")
def cilium_cni_exclusive_with_multus(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a cluster using Multus NADs whose Cilium keeps `cni.exclusive` on (the default). When `helmValues`
    is set, EKS-A ignores the typed `cniExclusive`, so only `helmValues: {cni: {exclusive: false}}` counts.

    ## Why is this bad?
    With cni.exclusive, the Cilium agent renames other CNI configs in /etc/cni/net.d, Multus's included.

    ## Example
    ```yaml
    cniConfig: {cilium: {}}
    ```

    ## Use instead
    ```yaml
    cniConfig: {cilium: {cniExclusive: false}}
    ```

    ## Source
    cilium/cilium `install/kubernetes/cilium/values.yaml` and the chart README (`cni.exclusive` defaults to
    true; non-Cilium configs in `/etc/cni/net.d` are renamed to `*.cilium_bak`); aws/eks-anywhere
    `pkg/api/v1alpha1/cluster_types.go` (`CiliumConfig.CNIExclusive`) and `pkg/networking/cilium/templater.go`
    `setDeprecatedCiliumValues` (sets `cni.exclusive` from it, but only when `helmValues` is not set).
    """
    if not repo.subjects.clusters:
        return  # findings are on Clusters
    nad_paths: list[str] | None = None
    for c in repo.subjects.clusters:
        cil = c.cilium
        if cil is None:
            continue
        helm = cil.get("helmValues")
        helm_cni = helm.get("cni") if isinstance(helm, dict) else None
        if (helm is None and cil.get("cniExclusive") is False) or (isinstance(helm_cni, dict) and
                                                                    helm_cni.get("exclusive") is False):
            continue
        if nad_paths is None:  # the repo's NADs, read only for a cluster that would be flagged
            nad_paths = sorted({path for path, group, _, _ in repo.identities("NetworkAttachmentDefinition")
                                if group == NAD_GROUP})
        if not _owns_any(repo, c, nad_paths):
            continue
        how = ("set cniExclusive: false" if helm is None else "set helmValues: {cni: {exclusive: false}} "
               "(cniExclusive is ignored when helmValues is set)")
        yield c.obj.violation(c.deepest_cilium_path(), f'cluster "{c.name}" uses Multus NADs but Cilium '
                              f"cni.exclusive is on; {how}")


def _owns_any(repo: Repo, c: Any, paths: list[str]) -> bool:
    """Whether one of the paths belongs to cluster `c`."""
    could = repo.may_belong((c,))
    return any(repo.cluster_for(p) is c for p in paths if could(p))


@rule(id="EKSA409", reports_on=("NetworkAttachmentDefinition",), name="host-local-across-nodes", severity=WARNING, tags=("multus", "ipam"),
      summary="host-local IPAM on a NAD in a multi-node cluster.")
def host_local_across_nodes(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags host-local IPAM on a NAD of a cluster with more than one worker node (or an unknown count).

    ## Why is this bad?
    host-local allocates per node, so pods on different nodes can get the same address.

    ## Example
    ```yaml
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "10.1.1.0/24"}}'
    ```

    ## Use instead
    ```yaml
    config: '{"type": "macvlan", "master": "eth1", "ipam": {"type": "whereabouts", "range": "10.1.1.0/24"}}'
    ```

    ## Source
    containernetworking/plugins `plugins/ipam/host-local/backend/disk/backend.go` (`defaultDataDir`
    `/var/lib/cni/networks`: allocations are files on each node's disk); k8snetworkplumbingwg/whereabouts
    `README.md` (assigns addresses cluster-wide; host-local only knows the pods on its own node). The EKS-A
    Multus page's own example NAD uses host-local.
    """
    for nad in repo.subjects.nads:
        c = repo.cluster_for(nad.obj)
        if c is None:
            continue
        n = c.worker_count
        if n is not None and n <= 1:
            continue
        for p in nad.plugins:
            if (p.ipam or {}).get("type") == "host-local":
                yield nad.obj.violation(p.ipam_path + ("type",), f'host-local IPAM on "{nad.name}" in cluster '
                                        f'"{c.name}" with {n if n is not None else "an unknown number of"} '
                                        f"worker nodes: pods on different nodes can get the same address; "
                                        f"use whereabouts")
