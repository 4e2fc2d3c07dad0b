"""Cilium lifecycle and CNI config (EKSA201, EKSA205-207): replacing EKS-A's Cilium, and EKS-A's own CNI checks."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from typing import Any

from eksa_lint import ipnet
from eksa_lint.findings import Fix
from eksa_lint.model import EksaCluster, Obj, Ref, Repo, Violation
from eksa_lint.registry import ERROR, WARNING, rule
from eksa_lint.rules.lifecycle import CILIUM_FIELD_SINCE

CILIUM_PATH = ("spec", "clusterNetwork", "cniConfig", "cilium")
NET_PATH = ("spec", "clusterNetwork")
CNI_CONFIG_PATH = NET_PATH + ("cniConfig",)
EKSA_CILIUM_ANNOTATION = "anywhere.eks.amazonaws.com/eksa-cilium"

# Another CNI's manifests: (API group, kind, name or None for any name) -> the CNI it installs.
OTHER_CNI_OBJECTS: dict[tuple[str, str, str | None], str] = {
    ("apps", "DaemonSet", "calico-node"): "Calico",
    ("operator.tigera.io", "Installation", None): "Calico (Tigera operator)",
    ("apps", "DaemonSet", "kube-flannel-ds"): "Flannel",
    ("apps", "DaemonSet", "weave-net"): "Weave Net",
    ("apps", "DaemonSet", "antrea-agent"): "Antrea",
    ("apps", "DaemonSet", "kube-router"): "kube-router",
    ("apps", "DaemonSet", "canal"): "Canal",
}
# A user-managed Cilium Helm release: (API group, kind) -> paths of the chart name.
CILIUM_CHART_PATHS: dict[tuple[str, str], tuple[tuple[Any, ...], ...]] = {
    ("helm.toolkit.fluxcd.io", "HelmRelease"): (("spec", "chart", "spec", "chart"),),
    ("argoproj.io", "Application"): (("spec", "source", "chart"),),
}
UNINSTALL_FILES = ("*.sh", "*.bash", "*.zsh", "Makefile", "makefile", "GNUmakefile", "*.mk",
                   ".github/workflows/*.yml", ".github/workflows/*.yaml",
                   "*/.github/workflows/*.yml", "*/.github/workflows/*.yaml")
UNINSTALL_RE = re.compile(r"\bcilium\s+uninstall\b")

VALID_CNIS = ("cilium", "kindnetd")
# The deprecated `cni` value -> the cniConfig plugin EKS-A's defaulting turns it into (cluster_defaults.go).
CNI_TO_CONFIG = {"cilium": "cilium", "cilium-enterprise": "cilium", "kindnetd": "kindnetd"}
POLICY_MODES = ("default", "always", "never")
ROUTING_MODES = ("overlay", "direct")
NATIVE_CIDR_FAMILY = {"ipv4NativeRoutingCIDR": 4, "ipv6NativeRoutingCIDR": 6}


def _vtext(v: tuple[int, ...]) -> str:
    return "v" + ".".join(str(p) for p in v)


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _is_cilium_chart(obj: Obj) -> bool:
    paths = CILIUM_CHART_PATHS.get((obj.group or "", obj.kind or ""))
    if not paths:
        return False
    charts = [obj.get(*p) for p in paths]
    sources = obj.get("spec", "sources")  # Argo CD multi-source Applications
    if obj.group == "argoproj.io" and isinstance(sources, list):
        charts.extend(s.get("chart") for s in sources if isinstance(s, dict))
    return any(isinstance(c, str) and c.rsplit("/", 1)[-1] == "cilium" for c in charts)


# The kinds those two tables name: the only objects _object_signals looks at.
SIGNAL_KINDS = tuple(sorted({k for _, k, _ in OTHER_CNI_OBJECTS} | {k for _, k in CILIUM_CHART_PATHS}))


def _object_signals(repo: Repo) -> Iterator[tuple[Obj, str]]:
    candidates = [o for k in SIGNAL_KINDS for o in repo.of_kind(k)]
    candidates.sort(key=lambda o: (o.path, o.doc.index, o.base))  # the repo's order
    for obj in candidates:
        kind, group, name = obj.kind or "", obj.group or "", obj.name
        cni = OTHER_CNI_OBJECTS.get((group, kind, name)) or OTHER_CNI_OBJECTS.get((group, kind, None))
        if cni:
            yield obj, f"{kind} {name!r} installs {cni}"
        elif _is_cilium_chart(obj):
            yield obj, f"{kind} {name!r} installs a user-managed Cilium Helm release"


def _uninstall_lines(repo: Repo) -> Iterator[tuple[Any, int, int, int]]:
    """(file, line, col, end_col) of each `cilium uninstall` outside a comment."""
    for f in repo.text_files(*UNINSTALL_FILES):
        for n, line in enumerate(f.text.splitlines(), 1):
            code = line.split("#", 1)[0]
            m = UNINSTALL_RE.search(code)
            if m:
                yield f, n, m.start() + 1, m.end() + 1


_SIGNALS: weakref.WeakKeyDictionary[Repo, dict[int, tuple[EksaCluster, list[tuple[Ref, str]]]]] = \
    weakref.WeakKeyDictionary()


def replacement_signals(repo: Repo) -> dict[int, tuple[EksaCluster, list[tuple[Ref, str]]]]:
    """Per reported cluster (by id), the places where the repo replaces EKS-A's Cilium (computed once per repo;
    nothing to compute when no Cluster is reported, as every finding about them is on a Cluster)."""
    got = _SIGNALS.get(repo)
    if got is None:
        got = _SIGNALS[repo] = _replacement_signals(repo) if repo.subjects.clusters else {}
    return got


def _replacement_signals(repo: Repo) -> dict[int, tuple[EksaCluster, list[tuple[Ref, str]]]]:
    out: dict[int, tuple[EksaCluster, list[tuple[Ref, str]]]] = {}
    if not repo.clusters:
        return out
    for obj, why in _object_signals(repo):
        c = repo.cluster_for(obj)
        if c is not None:
            out.setdefault(id(c.obj), (c, []))[1].append((obj.ref(("metadata", "name")), why))
    for f, line, col, end in _uninstall_lines(repo):
        c = repo.cluster_for(f)
        if c is not None:
            ref = Ref(f, None, (), "value", line, col, end)
            out.setdefault(id(c.obj), (c, []))[1].append((ref, "`cilium uninstall` removes EKS-A's Cilium"))
    return out


def _uses_kindnetd(c: EksaCluster) -> bool:
    cfg = c.cni_config
    return (isinstance(cfg, dict) and "kindnetd" in cfg and "cilium" not in cfg) or \
        c.obj.get(*NET_PATH, "cni") == "kindnetd"


@rule(id="EKSA201", reports_on=("Cluster",), name="custom-cni-without-skip-upgrade", severity=ERROR, tags=("cilium", "lifecycle"),
      fixable="unsafe",
      summary="The repo replaces EKS-A's Cilium but the cluster lacks cniConfig.cilium.skipUpgrade: true.")
def custom_cni_without_skip_upgrade(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Finds manifests or commands that replace the Cilium EKS-A installs: another CNI (Calico `calico-node`
    DaemonSet or Tigera `Installation`, Flannel `kube-flannel-ds`, Weave Net, Antrea, kube-router, Canal),
    a user-managed Cilium Helm release (Flux `HelmRelease` or Argo CD `Application` of the `cilium` chart),
    or `cilium uninstall` in a script, Makefile or workflow. It flags the owning cluster when its
    `cniConfig.cilium.skipUpgrade` is not `true`. The script line or manifest is a related location.

    ## Why is this bad?
    Without `skipUpgrade: true` the next `eksctl anywhere upgrade` (or the lifecycle controller) installs
    EKS-A's Cilium again, next to or over the CNI you manage: pods lose their network.

    ## Example
    ```yaml
    # cluster.yaml, next to a kube-flannel.yaml or a script running `cilium uninstall`
    spec:
      clusterNetwork:
        cniConfig:
          cilium: {}
    ```

    ## Use instead
    ```yaml
    spec:
      clusterNetwork:
        cniConfig:
          cilium:
            skipUpgrade: true
    ```

    ## Source
    EKS-A docs "Replace EKS Anywhere Cilium with a custom CNI" (set `skipUpgrade: true`, pause, `cilium
    uninstall`, install the custom CNI); aws/eks-anywhere `pkg/api/v1alpha1/cluster_types.go`
    (CiliumConfig.SkipUpgrade, `IsManaged()`).
    """
    for c, signals in replacement_signals(repo).values():
        if c.skip_upgrade or _uses_kindnetd(c):
            continue
        first = signals[0][1]
        cilium = c.cilium
        fix = None
        if cilium is not None:
            fix = Fix("add skipUpgrade: true", safe=False,
                      operation=("set", CILIUM_PATH, "skipUpgrade", "true"))
        cur = cilium.get("skipUpgrade") if cilium is not None else None
        state = "is not set" if cur is None else f"is {cur!r}"
        also = ""
        if cilium is not None and "policyEnforcementMode" in cilium:
            also = " and remove policyEnforcementMode (EKS-A rejects it with skipUpgrade)"
        yield c.obj.violation(
            c.deepest_cilium_path(),
            f"cluster {c.name!r} replaces EKS-A's Cilium ({first}) but cniConfig.cilium.skipUpgrade {state}: "
            f"the next upgrade reinstalls Cilium; set cniConfig.cilium.skipUpgrade: true{also}",
            related=signals, fix=fix)


@rule(id="EKSA205", reports_on=("Cluster",), name="missing-eksa-cilium-annotation", severity=WARNING, tags=("cilium", "lifecycle"),
      summary="A workload cluster replaces EKS-A's Cilium without the eksa-cilium annotation.")
def missing_eksa_cilium_annotation(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    On a workload cluster (`managementCluster.name` set and different from its own name) whose repo replaces
    EKS-A's Cilium (the signals of EKSA201), flags a missing `anywhere.eks.amazonaws.com/eksa-cilium`
    annotation.

    ## Why is this bad?
    Clusters created by the full lifecycle controller before v0.15 that removed EKS-A's Cilium must carry
    this annotation; without it the controller treats Cilium as its own and reinstalls it.

    ## Example
    ```yaml
    metadata:
      name: w01
    spec:
      managementCluster: {name: mgmt}
      clusterNetwork: {cniConfig: {cilium: {skipUpgrade: true}}}
    ```

    ## Use instead
    ```yaml
    metadata:
      name: w01
      annotations:
        anywhere.eks.amazonaws.com/eksa-cilium: ""
    spec:
      managementCluster: {name: mgmt}
      clusterNetwork: {cniConfig: {cilium: {skipUpgrade: true}}}
    ```

    ## Source
    EKS-A docs "Replace EKS Anywhere Cilium with a custom CNI", section "Add a custom CNI to an existing
    cluster with Lifecycle Controller" (the `anywhere.eks.amazonaws.com/eksa-cilium: ""` annotation).
    """
    for c, signals in replacement_signals(repo).values():
        if not c.is_workload_cluster or _uses_kindnetd(c):
            continue
        anns = c.obj.annotations
        if isinstance(anns, dict) and EKSA_CILIUM_ANNOTATION in anns:
            continue
        yield c.obj.violation(
            ("metadata",),
            f"workload cluster {c.name!r} replaces EKS-A's Cilium ({signals[0][1]}) but has no "
            f"{EKSA_CILIUM_ANNOTATION} annotation; clusters created by the lifecycle controller before v0.15 "
            f'need metadata.annotations["{EKSA_CILIUM_ANNOTATION}"]: "" or EKS-A reinstalls Cilium',
            related=signals)


@rule(id="EKSA206", reports_on=("Cluster",), name="cluster-cni-config-invalid", severity=ERROR, tags=("cilium", "cluster"),
      summary="clusterNetwork CNI settings that EKS-A's validation rejects (or the deprecated `cni` field).")
def cni_config_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Repeats EKS-A's CNI checks: `cni` and `cniConfig` both set; `cniConfig` with neither or both of
    `cilium`/`kindnetd`, or no CNI at all; `kindnetd` on a provider other than Docker; `cni` other than
    `cilium`/`kindnetd` (`cilium-enterprise` is defaulted to cilium). The deprecated `cni` field alone is
    reported as a warning.

    ## Why is this bad?
    `eksctl anywhere create/upgrade cluster` fails validation on each of these; kindnetd is only shipped
    for the Docker (development) provider.

    ## Example
    ```yaml
    clusterNetwork:
      cni: cilium
      cniConfig: {cilium: {}, kindnetd: {}}
    ```

    ## Use instead
    ```yaml
    clusterNetwork:
      cniConfig:
        cilium: {}
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster.go` validateCNIPlugin / validateCNIConfig ("both old and new
    formats used", "no cni plugin specified", "cannot specify more than one cni plugins", "cni %s not
    supported"; validCNIs in `cluster_types.go` = cilium, kindnetd); `cluster_defaults.go` setCNIConfigDefault
    (turns `cni` into cniConfig, cilium-enterprise into cilium, anything else into an empty cniConfig);
    kindnetd is the Docker provider's CNI.
    """
    for c in repo.clusters:
        net = c.obj.get(*NET_PATH)
        if not isinstance(net, dict):
            continue
        docker = c.provider in (None, "docker")
        if "cni" in net:
            cni = net.get("cni")
            plugin = CNI_TO_CONFIG.get(cni) if isinstance(cni, str) else None
            if "cniConfig" in net:
                yield c.obj.violation(NET_PATH + ("cni",),
                                      f"both cni ({cni!r}) and cniConfig are set; EKS-A rejects the mix: "
                                      "remove cni and keep cniConfig")
            elif plugin is None:
                yield c.obj.violation(NET_PATH + ("cni",),
                                      f"cni {cni!r} is not supported (EKS-A knows {', '.join(VALID_CNIS)}); "
                                      "use cniConfig: {cilium: {}}")
            elif plugin == "kindnetd" and not docker:
                yield c.obj.violation(NET_PATH + ("cni",),
                                      f"cni kindnetd is only for the Docker provider, not {c.provider}; "
                                      "use cniConfig: {cilium: {}}")
            else:
                yield Violation(c.obj.ref(NET_PATH + ("cni",)),
                                f"cni: {cni} is deprecated; write cniConfig: {{{plugin}: {{}}}} instead",
                                c.obj, severity=WARNING)
            continue
        if "cniConfig" not in net:
            yield c.obj.violation(NET_PATH,
                                  "clusterNetwork names no CNI (neither cniConfig nor cni); EKS-A fails with "
                                  "\"no cni plugin specified\": add cniConfig: {cilium: {}}")
            continue
        cfg = net.get("cniConfig")
        if not isinstance(cfg, dict) or not ({"cilium", "kindnetd"} & set(cfg)):
            yield c.obj.violation(CNI_CONFIG_PATH,
                                  "cniConfig names no CNI plugin; add cilium: {} (or kindnetd: {} on Docker)")
            continue
        if "cilium" in cfg and "kindnetd" in cfg:
            yield c.obj.violation(CNI_CONFIG_PATH + ("kindnetd",),
                                  "cniConfig sets both cilium and kindnetd; EKS-A accepts exactly one: "
                                  "remove kindnetd")
        elif "kindnetd" in cfg and not docker:
            yield c.obj.violation(CNI_CONFIG_PATH + ("kindnetd",),
                                  f"kindnetd is only for the Docker provider, not {c.provider}; "
                                  "use cniConfig: {cilium: {}}")


@rule(id="EKSA207", reports_on=("Cluster",), name="cilium-option-invalid", severity=ERROR, tags=("cilium", "cluster"),
      summary="A cniConfig.cilium option with a value EKS-A rejects, or newer than the cluster's eksaVersion.")
def cilium_option_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks `cniConfig.cilium`: `policyEnforcementMode` must be exactly `default`, `always` or `never` (or empty, the default);
    `routingMode` must be `overlay` or `direct`; native-routing CIDRs must parse as CIDRs of their family
    and are only used with `routingMode: direct`; and each field must exist in the cluster's `eksaVersion`
    (egressMasqueradeInterfaces v0.17, routingMode and the native-routing CIDRs v0.19, cniExclusive
    v0.23.1, helmValues v0.24).

    ## Why is this bad?
    EKS-A rejects an unknown policy or routing mode, and an older EKS-A does not know a newer field: the
    setting is dropped or the spec fails to load.

    ## Example
    ```yaml
    eksaVersion: v0.18.0
    clusterNetwork:
      cniConfig:
        cilium:
          policyEnforcementMode: Always
          routingMode: direct
    ```

    ## Use instead
    ```yaml
    eksaVersion: v0.19.0
    clusterNetwork:
      cniConfig:
        cilium:
          policyEnforcementMode: always
          routingMode: direct
          ipv4NativeRoutingCIDR: 10.1.0.0/16
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster.go` validateCiliumConfig (validCiliumPolicyEnforcementModes)
    and `cluster_types.go` (CiliumPolicyModeDefault/Always/Never, CiliumRoutingModeOverlay/Direct,
    CiliumConfig fields); `pkg/networking/cilium/templater.go` (the native-routing CIDRs are passed to
    Cilium only with routingMode direct; direct without a CIDR is valid: it sets autoDirectNodeRoutes, so
    it is not flagged). Field versions: EKS-A release notes / CHANGELOG.
    """
    for c in repo.clusters:
        cilium = c.cilium
        if cilium is None:
            continue
        v = c.eksa_version
        mode = cilium.get("policyEnforcementMode")
        if "policyEnforcementMode" in cilium and mode not in (*POLICY_MODES, ""):  # "" means the default
            yield c.obj.violation(CILIUM_PATH + ("policyEnforcementMode",),
                                  f"policyEnforcementMode {mode!r} is not supported; use exactly one of "
                                  f"{', '.join(POLICY_MODES)} (lower case)")
        routing = cilium.get("routingMode")
        if "routingMode" in cilium and routing not in ROUTING_MODES:
            yield c.obj.violation(CILIUM_PATH + ("routingMode",),
                                  f"routingMode {routing!r} is not supported; use overlay or direct")
        for key, family in NATIVE_CIDR_FAMILY.items():
            if key not in cilium:
                continue
            val = cilium.get(key)
            net = ipnet.parse_cidr(val) if isinstance(val, str) else None
            if net is None or net.version != family:
                yield c.obj.violation(CILIUM_PATH + (key,),
                                      f"{key} {val!r} is not an IPv{family} CIDR; write it as address/prefix, "
                                      "e.g. " + ("10.1.0.0/16" if family == 4 else "fd00:10:1::/48"))
            elif routing != "direct":
                yield c.obj.violation(CILIUM_PATH + (key,),
                                      f"{key} {val} is set but routingMode is {routing or 'overlay (default)'}; "
                                      "EKS-A only uses it with routingMode: direct: set routingMode: direct "
                                      f"or remove {key}")
        if v is None:
            continue
        for key, since in CILIUM_FIELD_SINCE.items():
            if key in cilium and key != "skipUpgrade" and v < since:  # skipUpgrade: EKSA202
                yield c.obj.violation(CILIUM_PATH + (key,),
                                      f"{key} needs EKS-A {_vtext(since)} or later but eksaVersion is "
                                      f"{_vtext(v)}; upgrade EKS-A first or remove {key}")
