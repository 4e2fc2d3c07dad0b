"""Cluster config checks (EKSA208-212): Cilium helmValues, clusterNetwork, control-plane endpoint, hardware CSV."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eksa_lint.ipnet import parse_cidr, parse_ip
from eksa_lint.model import EksaCluster, HardwareRow, Repo, Violation
from eksa_lint.registry import ERROR, WARNING, rule

CILIUM_PATH = ("spec", "clusterNetwork", "cniConfig", "cilium")
NETWORK_PATH = ("spec", "clusterNetwork")
ENDPOINT_HOST_PATH = ("spec", "controlPlaneConfiguration", "endpoint", "host")

# Legacy cniConfig.cilium fields that EKS-A ignores once helmValues is set, and the Helm value that replaces each.
HELM_REPLACES: dict[str, str] = {
    "policyEnforcementMode": "policyEnforcementMode",
    "egressMasqueradeInterfaces": "egressMasqueradeInterfaces",
    "routingMode": "routingMode",
    "ipv4NativeRoutingCIDR": "ipv4NativeRoutingCIDR",
    "ipv6NativeRoutingCIDR": "ipv6NativeRoutingCIDR",
    "cniExclusive": "cni.exclusive",
}

# Last EKS-A release known to replace (not merge) EKS-A's Cilium defaults with helmValues: aws/eks-anywhere
# PR #10959 (deep-merge helmValues over the defaults) was tested by upgrading from v0.25.3 and landed after it.
LAST_HELM_REPLACES_DEFAULTS = (0, 25, 3)

# EKS-A's node mask when clusterNetwork.nodes.cidrMaskSize is unset (IPv4; constants.DefaultNodeCidrMaskSize).
DEFAULT_NODE_MASK_V4 = 24
# EKS-A's validateNetworking (podSubnetNodeMaskMaxDiff, mirroring kubeadm) refuses a node mask more than this
# many bits longer than the pod CIDR.
MAX_NODE_MASK_DIFF = 16

# Providers whose control-plane endpoint must be a literal IP (kube-vip or the provider assigns it as a VIP).
ENDPOINT_IP_PROVIDERS = frozenset({"vsphere", "tinkerbell", "snow"})


@rule(id="EKSA208", reports_on=("Cluster",), name="cilium-fields-ignored", severity=WARNING, tags=("cilium", "config"),
      summary="Legacy cniConfig.cilium fields set next to helmValues, which EKS-A then ignores.")
def cilium_fields_ignored(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags each of `policyEnforcementMode`, `egressMasqueradeInterfaces`, `routingMode`,
    `ipv4NativeRoutingCIDR`, `ipv6NativeRoutingCIDR` and `cniExclusive` in `cniConfig.cilium` when
    `helmValues` is also set.

    ## Why is this bad?
    From EKS-A v0.24, `helmValues` takes precedence over the typed Cilium fields, which are deprecated: when
    `helmValues` is set EKS-A does not apply them at all. The cluster silently runs without the setting the
    file seems to ask for (for example `policyEnforcementMode: always` is lost and Cilium stays in `default`
    mode). The Helm key is not always a copy of the typed field: typed `routingMode: direct` corresponds to
    the Helm values `routingMode: native` and `autoDirectNodeRoutes: true`, and `cniExclusive` is the Helm
    value `cni.exclusive`.

    ## Example
    ```yaml
    cniConfig:
      cilium:
        policyEnforcementMode: always
        helmValues:
          ipam: {mode: kubernetes}
    ```

    ## Use instead
    ```yaml
    cniConfig:
      cilium:
        helmValues:
          policyEnforcementMode: always
          ipam: {mode: kubernetes}
    ```

    ## Source
    aws/eks-anywhere `pkg/networking/cilium/templater.go`: when `CiliumConfig.HelmValues` is set,
    `templateValues` returns without calling `setDeprecatedCiliumValues` (which applies policyEnforcementMode,
    egressMasqueradeInterfaces, cniExclusive, routingMode direct -> native + autoDirectNodeRoutes and
    ipv4/ipv6NativeRoutingCIDR), and `GenerateManifest` reads policyEnforcementMode from
    helmValues when set. aws/eks-anywhere `pkg/api/v1alpha1/cluster_types.go` (`CiliumConfig` field comments:
    deprecated, ignored when HelmValues is set) and aws/eks-anywhere PR #10222 (docs: helmValues takes
    precedence over all other Cilium-specific fields).
    """
    for c in repo.clusters:
        cilium = c.cilium
        if cilium is None or "helmValues" not in cilium or cilium.get("helmValues") is None:
            continue
        for key, helm_key in HELM_REPLACES.items():
            if key in cilium:
                if key == "routingMode":  # the chart names the modes native and tunnel
                    helm_key = ("routingMode: native plus autoDirectNodeRoutes: true" if cilium[key] == "direct"
                                else "routingMode: tunnel")
                yield c.obj.violation(
                    CILIUM_PATH + (key,),
                    f"{key}: {cilium[key]!r} is ignored because helmValues is set; move it into helmValues "
                    f"as {helm_key} (or remove it)")


def _native_routing(helm: dict[str, Any]) -> bool:
    return helm.get("routingMode") == "native" or helm.get("tunnel") == "disabled"


@rule(id="EKSA209", reports_on=("Cluster",), name="helm-values-replace-defaults", severity=WARNING, tags=("cilium", "config"),
      summary="helmValues without ipam.mode or tunnelProtocol on EKS-A <= v0.25.3 (before PR #10959): cluster-pool and VXLAN.")
def helm_values_replace_defaults(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `cniConfig.cilium.helmValues` that sets no `ipam.mode`, or no `tunnelProtocol` while the cluster
    still routes through the overlay (no `routingMode: native`), on a cluster whose `eksaVersion` is v0.25.3
    or older.

    ## Why is this bad?
    Only on EKS-A releases without aws/eks-anywhere PR #10959. Those releases built the Cilium values from
    `helmValues` alone and skipped EKS-A's defaults, so without `ipam.mode` Cilium used its chart default
    cluster-scope IPAM (`cluster-pool`, pod CIDRs from the operator) instead of EKS-A's `kubernetes` mode that
    follows `clusterNetwork.pods.cidrBlocks`, and without `tunnelProtocol` the overlay was VXLAN on UDP 8472
    instead of EKS-A's Geneve on UDP 6081, so firewalls opened for EKS-A's documented port drop pod traffic
    between nodes.

    The PR was tested by upgrading from v0.25.3, so releases up to v0.25.3 lack it (v0.24.x too, where
    helmValues arrived). Since that PR (merged September 2026, cherry-picked to the release-0.25 and
    release-0.26 branches) EKS-A deep-merges `helmValues` over its defaults (`ipam.mode: kubernetes`,
    `routingMode: tunnel`, `tunnelProtocol: geneve`, ...), so a `helmValues` without these keys keeps them.
    The check therefore only reports clusters whose `spec.eksaVersion` is v0.25.3 or older; it is silent
    when `eksaVersion` is missing or newer.

    ## Example
    ```yaml
    eksaVersion: v0.24.2
    clusterNetwork:
      cniConfig:
        cilium:
          helmValues:
            hubble: {enabled: true}
    ```

    ## Use instead
    ```yaml
    eksaVersion: v0.24.2
    clusterNetwork:
      cniConfig:
        cilium:
          helmValues:
            hubble: {enabled: true}
            ipam: {mode: kubernetes}
            tunnelProtocol: geneve
    ```

    ## Source
    aws/eks-anywhere PR #10959 "Prevent helmValues from discarding EKS-A default cilium config" (before it,
    setting helmValues skipped EKS-A's default Cilium values; after it, they are merged); aws/eks-anywhere
    `pkg/networking/cilium/templater.go` after that PR: `templateValues` (defaults `ipam.mode: kubernetes`,
    `routingMode: tunnel`, `tunnelProtocol: geneve`) and `mergeValues` (nested maps merged key by key, user
    values win, lists and scalars replaced). Cilium docs "IP Address Management (IPAM)" (Cluster Scope is the
    default mode) and "Routing" (encapsulation defaults to VXLAN on 8472/UDP; Geneve uses 6081/UDP); EKS-A
    networking docs "Network Connectivity Requirements" (Geneve, UDP 6081). Not confirmed upstream: the exact
    0.25.x / 0.26.x patch releases that carry the fix.
    """
    for c in repo.clusters:
        cilium = c.cilium
        helm = cilium.get("helmValues") if cilium is not None else None
        v = c.eksa_version
        if not isinstance(helm, dict) or v is None or v > LAST_HELM_REPLACES_DEFAULTS:
            continue
        ipam = helm.get("ipam")
        missing = []
        if not (isinstance(ipam, dict) and ipam.get("mode")):
            missing.append("no ipam.mode, so IPAM falls back to Cilium's cluster-pool (set ipam: {mode: kubernetes})")
        if not helm.get("tunnelProtocol") and not _native_routing(helm):
            missing.append("no tunnelProtocol, so the overlay falls back to VXLAN on UDP 8472 "
                           "(set tunnelProtocol: geneve, EKS-A's default on UDP 6081)")
        if missing:
            yield c.obj.violation(
                CILIUM_PATH + ("helmValues",),
                f"on EKS-A {c.obj.get('spec', 'eksaVersion')} helmValues replaces EKS-A's Cilium defaults (fixed by "
                "aws/eks-anywhere#10959) and has " + "; and ".join(missing))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cidr_blocks(c: EksaCluster, name: str) -> Iterator[Violation]:
    """Missing / several / unparsable blocks of clusterNetwork.<name>.cidrBlocks."""
    path = NETWORK_PATH + (name, "cidrBlocks")
    blocks = c.obj.get(*path)
    if not isinstance(blocks, list) or not blocks:
        yield c.obj.violation(path, f"clusterNetwork.{name}.cidrBlocks is missing or empty; EKS-A needs exactly one "
                                    f"CIDR block for {name}, e.g. {'192.168.0.0/16' if name == 'pods' else '10.96.0.0/12'}")
        return
    if len(blocks) > 1:
        yield c.obj.violation(path + (1,), f"clusterNetwork.{name}.cidrBlocks has {len(blocks)} blocks; EKS-A "
                                           "supports exactly one: keep one block", at="value")
    if parse_cidr(blocks[0]) is None:
        yield c.obj.violation(path + (0,), f"{name} CIDR block {blocks[0]!r} is not a CIDR (address/prefix); "
                                           "write it like 192.168.0.0/16", at="value")


@rule(id="EKSA210", reports_on=("Cluster",), name="cluster-network-invalid", severity=ERROR, tags=("config", "ipam"),
      summary="clusterNetwork pods/services CIDRs missing, several, unparsable, or at odds with nodes.cidrMaskSize.")
def cluster_network_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags, on an EKS-A Cluster: `clusterNetwork.pods.cidrBlocks` or `services.cidrBlocks` missing or empty,
    holding more than one block, or a block that is not a CIDR; and a pod CIDR whose prefix is not shorter than
    `nodes.cidrMaskSize` (default 24), or more than 16 bits shorter.

    ## Why is this bad?
    EKS-A refuses the cluster spec. Each node gets a `/cidrMaskSize` slice of the pod CIDR: a pod CIDR of
    /24 with node mask 24 leaves room for one node only, and a node mask more than 16 bits longer than the pod
    CIDR is rejected too (EKS-A mirrors this limit from kubeadm's own check).

    Fragments without a known `datacenterRef.kind` (documentation snippets, partial specs) are not checked.

    ## Example
    ```yaml
    clusterNetwork:
      pods: {cidrBlocks: [192.168.0.0/24]}
      services: {cidrBlocks: [10.96.0.0/12]}
    ```

    ## Use instead
    ```yaml
    clusterNetwork:
      pods: {cidrBlocks: [192.168.0.0/16]}
      services: {cidrBlocks: [10.96.0.0/12]}
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster.go` `validateNetworking`: empty pods/services cidrBlocks, more
    than one block (not supported yet), `net.ParseCIDR` of the first block, pod mask >= node mask (node
    mask from `clusterNetwork.nodes.cidrMaskSize`, else `constants.DefaultNodeCidrMaskSize` 24), and node mask
    minus pod mask > `podSubnetNodeMaskMaxDiff` (16; the code comment says these mirror kubeadm's checks).
    aws/eks-anywhere `docs/content/en/docs/getting-started/optional/cni.md` "Node IPs configuration option"
    (default 24 for IPv4; must be greater than the pod CIDR mask) and
    `_configuration/cluster_clusterNetwork.html` (one pod and one service CIDR block only). EKS-A applies the
    default 24 to IPv6 pod CIDRs as well; this rule skips that case.
    """
    for c in repo.clusters:
        if c.provider is None or not isinstance(c.obj.spec, dict):
            continue
        if not isinstance(c.obj.get(*NETWORK_PATH), dict):
            yield c.obj.violation(NETWORK_PATH, "clusterNetwork is missing; EKS-A needs pods.cidrBlocks and "
                                                "services.cidrBlocks, e.g. 192.168.0.0/16 and 10.96.0.0/12")
            continue
        yield from _cidr_blocks(c, "pods")
        yield from _cidr_blocks(c, "services")
        blocks = c.pods_cidrs
        pods = parse_cidr(blocks[0]) if blocks else None
        if pods is None:
            continue
        mask_path = NETWORK_PATH + ("nodes", "cidrMaskSize")
        mask = _int(c.obj.get(*mask_path))
        explicit = mask is not None
        if mask is None:
            if pods.version != 4:
                continue
            mask = DEFAULT_NODE_MASK_V4
        where = mask_path if explicit else NETWORK_PATH + ("pods", "cidrBlocks", 0)
        at = "key" if explicit else "value"
        source = "nodes.cidrMaskSize" if explicit else "the default nodes.cidrMaskSize"
        if pods.prefixlen >= mask:
            yield c.obj.violation(where, f"pod CIDR {blocks[0]} (/{pods.prefixlen}) is not larger than the per-node "
                                         f"slice /{mask} ({source}): at most one node gets pod addresses; use a "
                                         f"pod CIDR shorter than /{mask} or a larger cidrMaskSize", at=at)
        elif mask - pods.prefixlen > MAX_NODE_MASK_DIFF:
            yield c.obj.violation(where, f"{source} {mask} is {mask - pods.prefixlen} bits longer than the pod CIDR "
                                         f"{blocks[0]}; EKS-A's validation (mirroring kubeadm) allows at most {MAX_NODE_MASK_DIFF}: "
                                         f"use a cidrMaskSize of at most {pods.prefixlen + MAX_NODE_MASK_DIFF}",
                                  at=at)


@rule(id="EKSA211", reports_on=("Cluster",), name="control-plane-endpoint-invalid", severity=ERROR, tags=("config",),
      summary="Control-plane endpoint host missing, equal to tinkerbellIP, or not an IP where the provider needs one.")
def control_plane_endpoint_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `controlPlaneConfiguration.endpoint.host` when it is missing on a non-Docker provider, equal to the
    Tinkerbell datacenter's `tinkerbellIP`, or not an IP address on vSphere, Bare Metal (Tinkerbell) or Snow.

    ## Why is this bad?
    The endpoint is the virtual IP kube-vip announces for the API server. Without it the cluster cannot be
    created; sharing it with `tinkerbellIP` makes two services answer ARP for one address; a host name cannot
    be announced as a VIP.

    ## Example
    ```yaml
    controlPlaneConfiguration:
      endpoint: {host: 10.0.0.50}
    ---
    kind: TinkerbellDatacenterConfig
    spec: {tinkerbellIP: 10.0.0.50}
    ```

    ## Use instead
    ```yaml
    controlPlaneConfiguration:
      endpoint: {host: 10.0.0.50}
    ---
    kind: TinkerbellDatacenterConfig
    spec: {tinkerbellIP: 10.0.0.51}
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster.go` `validateControlPlaneEndpoint` (host required unless the
    datacenter is Docker) and `validateNetworking` (Snow: the host must parse as an IP and lie outside the pod
    and service CIDRs); aws/eks-anywhere `pkg/providers/tinkerbell/assert.go`
    `AssertTinkerbellIPAndControlPlaneIPNotSame` (registered in the Tinkerbell cluster-spec validator).
    For vSphere and Bare Metal the IP requirement is documented, not coded: the provider spec pages
    (`vsphere-spec.md`, `bare-spec.md` under aws/eks-anywhere `docs/content/en/docs/getting-started`) describe
    `endpoint.host` as a unique IP outside the DHCP range that floats between control-plane nodes for
    kube-apiserver load balancing; the code read only checks that it is not already in use
    (`validateControlPlaneIpUniqueness`), and the CloudStack provider explicitly accepts an FQDN.
    """
    for c in repo.clusters:
        provider = c.provider
        if provider is None or provider == "docker" or not isinstance(c.obj.spec, dict):
            continue
        host = c.endpoint_host
        if host is None or (isinstance(host, str) and not host.strip()):
            yield c.obj.violation(ENDPOINT_HOST_PATH, f"controlPlaneConfiguration.endpoint.host is missing; the "
                                                      f"{provider} provider needs the API server's virtual IP there")
            continue
        if not isinstance(host, str):
            continue
        tb_ip = c.tinkerbell_ip
        if provider == "tinkerbell" and isinstance(tb_ip, str) and host.strip() == tb_ip.strip():
            dc = c.datacenter
            related = [(dc.ref(("spec", "tinkerbellIP"), "value"), "tinkerbellIP is set here")] if dc else []
            yield c.obj.violation(ENDPOINT_HOST_PATH, f"endpoint host {host} is also the tinkerbellIP; both are "
                                                      "virtual IPs announced on the network: use two different "
                                                      "unused addresses", at="value", related=related)
        elif provider in ENDPOINT_IP_PROVIDERS and parse_ip(host) is None:
            yield c.obj.violation(ENDPOINT_HOST_PATH, f"endpoint host {host!r} is not an IP address; the {provider} "
                                                      "provider announces it as a virtual IP: use an unused IP of "
                                                      "the node network", at="value")


REQUIRED_COLUMNS = ("hostname", "mac", "ip_address", "netmask", "gateway", "nameservers", "labels", "disk")
BMC_COLUMNS = ("bmc_ip", "bmc_username", "bmc_password")
UNIQUE_COLUMNS = ("ip_address", "mac", "hostname", "bmc_ip")
NAMESERVERS_SEPARATOR = "|"
DISK_RE = re.compile(r"^(/dev/[\w-]+)+$")
DNS1123_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
MAC_RE = re.compile(
    r"^(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){7}"
    r"|[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){19}"
    r"|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){3}"
    r"|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){9})$"
)


def _valid_mac(v: str) -> bool:
    """Go's net.ParseMAC: 6, 8 or 20 bytes, colon/hyphen pairs or dotted quads, one separator style."""
    return bool(MAC_RE.match(v)) and len({s for s in v if s in ":-."}) == 1


def _valid_netmask(v: str) -> bool:
    ip = parse_ip(v)
    if ip is None or ip.version != 4:
        return False
    bits = format(int(ip), "032b")
    return "01" not in bits


def _row_problems(row: HardwareRow, header: set[str]) -> Iterator[tuple[str, str]]:
    """(column, message) for each bad cell of one row."""
    for col in REQUIRED_COLUMNS:
        if col in header and col != "labels" and not row.get(col).strip():
            yield col, f"{col} is empty; every machine needs one"
    ip = row.get("ip_address").strip()
    if ip and parse_ip(ip) is None:
        yield "ip_address", f"ip_address {ip!r} is not an IP address"
    gw = row.get("gateway").strip()
    if gw and parse_ip(gw) is None:
        yield "gateway", f"gateway {gw!r} is not an IP address"
    mask = row.get("netmask").strip()
    if mask and not _valid_netmask(mask):
        yield "netmask", f"netmask {mask!r} is not a dotted IPv4 netmask such as 255.255.255.0"
    mac = row.get("mac").strip()
    if mac and not _valid_mac(mac):
        yield "mac", f"mac {mac!r} is not a MAC address such as 00:1a:2b:3c:4d:5e"
    host = row.get("hostname").strip()
    if host and (len(host) > 253 or not DNS1123_SUBDOMAIN_RE.match(host)):
        yield "hostname", f"hostname {host!r} is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')"
    ns = row.get("nameservers").strip()
    if ns and any(not s.strip() for s in ns.split(NAMESERVERS_SEPARATOR)):
        yield "nameservers", f"nameservers {ns!r} has an empty entry; separate servers with '|'"
    disk = row.get("disk").strip()
    if disk and not DISK_RE.match(disk):
        yield "disk", f"disk {disk!r} is not a Linux device path such as /dev/sda"
    bmc = {col: row.get(col).strip() for col in BMC_COLUMNS if col in header}
    if any(bmc.values()):
        for col, value in bmc.items():
            if not value:
                yield col, (f"{col} is empty while the row has other BMC fields; fill in bmc_ip, bmc_username "
                            "and bmc_password together or leave all three empty")
        if bmc.get("bmc_ip") and parse_ip(bmc["bmc_ip"]) is None:
            yield "bmc_ip", f"bmc_ip {bmc['bmc_ip']!r} is not an IP address"


@rule(id="EKSA212", reports_on=("file:csv",), name="hardware-csv-invalid", severity=ERROR, tags=("tinkerbell", "config"),
      summary="Tinkerbell hardware CSV: missing columns, bad IP/MAC, or duplicate IP/MAC/hostname.")
def hardware_csv_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks each Tinkerbell hardware CSV (files matched by the `hardware` globs, default `hardware*.csv`):
    the header has `hostname`, `mac`, `ip_address`, `netmask`, `gateway`, `nameservers`, `labels`, `disk`,
    and the BMC trio `bmc_ip`, `bmc_username`, `bmc_password` together or not at all; each row has valid
    IPs, MAC, netmask, hostname and disk path; no two rows share an IP, MAC, hostname or BMC IP.

    ## Why is this bad?
    `eksctl anywhere create cluster --hardware-csv` stops at the first bad machine, and a duplicate IP or MAC
    makes two machines answer DHCP/ARP for one node.

    ## Example
    ```csv
    hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk
    cp1,00:00:00:00:00:01,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda
    cp2,00:00:00:00:00:02,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda
    ```

    ## Use instead
    ```csv
    hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk
    cp1,00:00:00:00:00:01,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda
    cp2,00:00:00:00:00:02,10.0.0.11,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda
    ```

    ## Source
    aws/eks-anywhere `pkg/providers/tinkerbell/hardware/validator.go` (`StaticMachineAssertions`: non-empty
    and valid ip_address and gateway, non-empty nameservers without empty entries, non-empty netmask,
    `net.ParseMAC`, DNS-1123 hostname, disk a `/dev/...` path (`linuxPathRegex`), BMC IP, username and
    password when any BMC field is set; `UniqueIPAddress`, `UniqueMACAddress`, `UniqueHostnames`,
    `UniqueBMCIPAddress`, registered by `RegisterDefaultAssertions`) and `machine.go` (`Machine` CSV columns,
    optional `bmc_*` and `vlan_id`, `HasBMC`, `NameserversSeparator` `|`). This rule is stricter than upstream
    in three places: upstream only requires the netmask to be non-empty, compares IP/MAC/hostname as exact
    strings (this rule ignores case), and does not require a `labels` column (without labels no hardware
    selector matches, so creation fails later).
    """
    by_file: dict[int, list[HardwareRow]] = {}
    for row in repo.subjects.hardware:
        by_file.setdefault(id(row.file), []).append(row)
    for f in repo.subjects.hardware_files:
        if not f.csv_header:
            continue  # empty file
        rows = by_file.get(id(f), [])
        header = {h.strip() for h in f.csv_header}
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        bmc_present = [c for c in BMC_COLUMNS if c in header]
        if bmc_present:
            missing += [c for c in BMC_COLUMNS if c not in header]
        if missing:
            yield repo.text_violation(f, 1, 1, f"hardware CSV header lacks column(s) {', '.join(missing)}; EKS-A "
                                               f"needs {', '.join(REQUIRED_COLUMNS)} (and {', '.join(BMC_COLUMNS)} "
                                               "together when machines have a BMC)")
        seen: dict[str, dict[str, HardwareRow]] = {c: {} for c in UNIQUE_COLUMNS}
        for row in rows:
            for col, msg in _row_problems(row, header):
                yield row.violation(col, msg)
            for col in UNIQUE_COLUMNS:
                value = row.get(col).strip()
                key = value.lower()
                if not value:
                    continue
                first = seen[col].get(key)
                if first is None:
                    seen[col][key] = row
                    continue
                yield row.violation(col, f"{col} {value} is already used by the row on line {first.row.line}; every "
                                         "machine needs its own", related=[(first.ref(col), f"first use of {value}")])
