"""Change-aware rules (EKSA7xx): changes to a running cluster that EKS-A refuses, found by comparing each
Cluster with the same Cluster at `--base REV`. Without `--base` these rules are silent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from eksa_lint.model import EksaCluster, Repo, Violation
from eksa_lint.registry import ERROR, rule

# Fields EKS-A's Cluster webhook treats as immutable (validateImmutableFieldsCluster), as node paths.
IMMUTABLE_FIELDS: tuple[tuple[str, ...], ...] = (
    ("spec", "datacenterRef"),
    ("spec", "controlPlaneConfiguration", "endpoint"),
    ("spec", "clusterNetwork", "pods"),
    ("spec", "clusterNetwork", "services"),
    ("spec", "clusterNetwork", "dns"),
    ("spec", "clusterNetwork", "nodes"),
    ("spec", "managementCluster"),
    ("spec", "proxyConfiguration"),
)
PAUSED_ANNOTATION = "anywhere.eks.amazonaws.com/paused"
SKIP_UPGRADE_TOGGLE_OFF_ALLOWED_FROM = (0, 24, 0)


def _canon(path: tuple[str, ...], value: Any) -> Any:
    """The value as EKS-A compares it: CIDR lists as sets, an endpoint host without the default port."""
    if value is None or value == {} or value == []:
        return None
    if path[-1] in ("pods", "services") and isinstance(value, dict):
        blocks = value.get("cidrBlocks")
        if isinstance(blocks, list):
            return {**value, "cidrBlocks": sorted(str(b) for b in blocks)}
    if path[-1] == "endpoint" and isinstance(value, dict):
        host = value.get("host")
        if isinstance(host, str) and host.endswith(":6443"):
            return {**value, "host": host[: -len(":6443")]}
    return value


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _pairs(repo: Repo) -> Iterator[tuple[EksaCluster, EksaCluster | None, EksaCluster | None]]:
    """(current cluster, the same-named cluster at base, the cluster that stood in its place at base)."""
    if not repo.subjects.clusters:
        return  # findings are on reported Clusters: the base is not read
    base = repo.base
    if base is None:
        return
    by_name: dict[tuple[str, Any], list[EksaCluster]] = {}
    for b in base.clusters:
        by_name.setdefault((b.obj.namespace or "default", b.name), []).append(b)
    by_place = {(c.obj.path, c.obj.doc.index): c for c in base.clusters}
    now: dict[tuple[str, Any], int] = {}
    for c in repo.clusters:
        key = (c.obj.namespace or "default", c.name)
        now[key] = now.get(key, 0) + 1
    for c in repo.subjects.clusters:
        key = (c.obj.namespace or "default", c.name)
        named = by_name.get(key, [])
        if len(named) > 1 or now.get(key, 0) > 1:
            # several files define a Cluster of that name (fixtures, or one per environment folder): the one
            # in the same file is this one's past; another file's is not
            named = [b for b in named if b.obj.path == c.obj.path]
            if len(named) != 1:
                continue
        if named:
            yield c, named[0], None
            continue
        place = by_place.get((c.obj.path, c.obj.doc.index))
        yield c, None, place if place is not None and place.name != c.name else None


def _paused(c: EksaCluster) -> bool:
    return str(c.obj.annotations.get(PAUSED_ANNOTATION, "")).lower() == "true"


@rule(id="EKSA701", reports_on=("Cluster",), name="immutable-cluster-field-changed", severity=ERROR, needs_base=True,
      tags=("change", "cluster"), summary="A field EKS-A treats as immutable changed since the base revision.")
def immutable_cluster_field_changed(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    With `--base REV`, compares each EKS-A `Cluster` with the same cluster (same namespace and name) at that
    revision and reports a change to a field EKS-A treats as immutable: `datacenterRef`,
    `controlPlaneConfiguration.endpoint`, `clusterNetwork.pods`, `.services`, `.dns`, `.nodes`,
    `managementCluster`, `proxyConfiguration`, and the cluster's name (a Cluster in the same file and
    position whose name changed).

    ## Why is this bad?
    EKS-A's Cluster webhook rejects the update ("field is immutable"), so the change fails at
    `eksctl anywhere upgrade cluster` or, with GitOps, leaves the cluster stuck on a spec it cannot apply.
    Renaming a cluster does not rename it: EKS-A sees a new cluster to create. Changing these needs a new
    cluster (create, move workloads, delete).

    ## Example
    ```yaml
    # base: pods.cidrBlocks: [192.168.0.0/16]
    clusterNetwork:
      pods:
        cidrBlocks: [10.244.0.0/16]
    ```

    ## Use instead
    Keep the field as it is in the running cluster; plan a new cluster for a new pod CIDR.

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster_webhook.go`, `validateImmutableFieldsCluster` (skipped while
    the old cluster's reconciliation is paused), and `pkg/validations/upgradevalidations/immutable_fields.go`
    ("cluster name is immutable").
    """
    for c, old, replaced in _pairs(repo):
        if replaced is not None:
            yield c.obj.violation(
                ("metadata", "name"),
                f"cluster name changed from {replaced.name!r} to {c.name!r} since the base revision: EKS-A cannot "
                "rename a cluster; this asks it to create a new one",
                at="value",
            )
            continue
        if old is None or _paused(old):
            continue
        for path in IMMUTABLE_FIELDS:
            before = _canon(path, old.obj.get(*path))
            after = _canon(path, c.obj.get(*path))
            if before != after:
                dotted = ".".join(path[1:])
                yield c.obj.violation(
                    path,
                    f"{dotted} is immutable in EKS-A: changed from {_show(old.obj.get(*path))} to "
                    f"{_show(c.obj.get(*path))} since the base revision; revert it, or create a new cluster",
                )


def _cni(c: EksaCluster) -> str | None:
    cfg = c.cni_config
    if isinstance(cfg, dict):
        for plugin in ("cilium", "kindnetd"):
            if plugin in cfg:
                return plugin
    legacy = c.obj.get("spec", "clusterNetwork", "cni")
    if isinstance(legacy, str) and legacy:
        return legacy.lower()
    return None


@rule(id="EKSA702", reports_on=("Cluster",), name="cni-plugin-changed", severity=ERROR, needs_base=True, tags=("change", "cni"),
      summary="The cluster's CNI plugin (cilium or kindnetd) changed since the base revision.")
def cni_plugin_changed(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    With `--base REV`, reports a cluster whose CNI plugin changed between `cilium` and `kindnetd` (in
    `cniConfig`, or in the deprecated `cni` field).

    ## Why is this bad?
    EKS-A refuses to switch a running cluster's CNI plugin ("spec.clusterNetwork.CNI/CNIConfig is
    immutable"): the upgrade fails.
    Replacing Cilium with a CNI of your own is done with `cniConfig.cilium.skipUpgrade: true` instead.

    ## Example
    ```yaml
    # base: cniConfig: {cilium: {}}
    cniConfig:
      kindnetd: {}
    ```

    ## Use instead
    ```yaml
    cniConfig:
      cilium:
        skipUpgrade: true   # then install your CNI yourself
    ```

    ## Source
    aws/eks-anywhere `pkg/validations/upgradevalidations/immutable_fields.go` (`ValidateImmutableFields`,
    via `v1alpha1.CNIPluginSame`).
    """
    for c, old, _ in _pairs(repo):
        if old is None:
            continue
        before, after = _cni(old), _cni(c)
        if before and after and before != after:
            path = ("spec", "clusterNetwork", "cniConfig") if c.cni_config is not None else (
                "spec", "clusterNetwork", "cni")
            yield c.obj.violation(
                path,
                f"CNI plugin changed from {before} to {after} since the base revision; EKS-A cannot change the "
                "CNI of a running cluster (to run your own CNI, keep cilium with skipUpgrade: true)",
            )


@rule(id="EKSA703", reports_on=("Cluster",), name="skip-upgrade-toggled-off", severity=ERROR, needs_base=True, tags=("change", "cilium"),
      summary="`skipUpgrade` went from true to false on a cluster older than EKS-A v0.24.0.")
def skip_upgrade_toggled_off(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    With `--base REV`, reports `cniConfig.cilium.skipUpgrade` changed from `true` to `false` (or removed)
    on a cluster whose `eksaVersion` is below v0.24.0 (or unknown).

    ## Why is this bad?
    Before v0.24.0 EKS-A's webhook refuses the change ("cannot toggle off skipUpgrade once enabled"): it
    would make EKS-A install its Cilium over the CNI you run.

    ## Example
    ```yaml
    # base: skipUpgrade: true
    cilium:
      skipUpgrade: false
    ```

    ## Use instead
    Keep `skipUpgrade: true`, or upgrade to EKS-A v0.24.0 or later first.

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster_webhook.go`, `validateImmutableFieldsCluster`
    ("cannot toggle off skipUpgrade once enabled").
    """
    for c, old, _ in _pairs(repo):
        if old is None or not old.skip_upgrade or c.skip_upgrade:
            continue
        v = c.eksa_version
        if v is not None and v >= SKIP_UPGRADE_TOGGLE_OFF_ALLOWED_FROM:
            continue
        path = EksaCluster.CILIUM_PATH + ("skipUpgrade",)
        yield c.obj.violation(
            path if c.obj.has(*path) else c.deepest_cilium_path(),
            "skipUpgrade was true at the base revision; EKS-A before v0.24.0 refuses to toggle it off "
            f"(eksaVersion {c.obj.get('spec', 'eksaVersion') or 'unset'}); keep it true",
        )
