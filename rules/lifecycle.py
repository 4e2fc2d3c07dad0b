"""Cilium lifecycle and cluster config (EKSA202-204): skipUpgrade and reconciliation pitfalls.

Only part of EKSA201-212 is implemented; see the project report."""

from __future__ import annotations

from collections.abc import Iterator

from eksa_lint.findings import Fix
from eksa_lint.model import Repo, Violation
from eksa_lint.registry import ERROR, WARNING, rule

# EKS-A version in which each cniConfig.cilium field appeared (cluster_types.go CiliumConfig).
CILIUM_FIELD_SINCE: dict[str, tuple[int, ...]] = {
    "skipUpgrade": (0, 15, 0),
    "egressMasqueradeInterfaces": (0, 17, 0),
    "routingMode": (0, 19, 0),
    "ipv4NativeRoutingCIDR": (0, 19, 0),
    "ipv6NativeRoutingCIDR": (0, 19, 0),
    "cniExclusive": (0, 23, 1),
    "helmValues": (0, 24, 0),
}
CILIUM_PATH = ("spec", "clusterNetwork", "cniConfig", "cilium")


def _vtext(v: tuple[int, ...]) -> str:
    return "v" + ".".join(str(p) for p in v)


@rule(id="EKSA202", reports_on=("Cluster",), name="skip-upgrade-unavailable", severity=ERROR, tags=("cilium", "lifecycle"),
      summary="cniConfig.cilium.skipUpgrade set on a cluster whose eksaVersion predates v0.15.0.")
def skip_upgrade_unavailable(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `cniConfig.cilium.skipUpgrade` when the cluster's `spec.eksaVersion` is older than v0.15.0.

    ## Why is this bad?
    The field first shipped in EKS-A v0.15.0 (the custom-CNI walkthrough lists "EKS Anywhere v0.15+" as a
    prerequisite). An older EKS-A does not implement it, so it keeps managing and upgrading its own Cilium.

    ## Example
    ```yaml
    spec:
      eksaVersion: v0.14.6
      clusterNetwork: {cniConfig: {cilium: {skipUpgrade: true}}}
    ```

    ## Use instead
    ```yaml
    spec:
      eksaVersion: v0.15.0
      clusterNetwork: {cniConfig: {cilium: {skipUpgrade: true}}}
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster_types.go` (`CiliumConfig.SkipUpgrade`;
    `CiliumConfig.IsManaged`: Cilium is EKS-A-managed unless skipUpgrade is true); aws/eks-anywhere
    `docs/content/en/docs/clustermgmt/networking/cluster-replace-cilium.md` (Prerequisites: EKS Anywhere
    v0.15+) and `docs/content/en/docs/getting-started/optional/cni.md` section "Use a custom CNI" (clusters
    created before v0.15 need the `anywhere.eks.amazonaws.com/eksa-cilium` annotation instead).
    Not confirmed upstream: whether a pre-v0.15 CLI rejects the unknown field or silently drops it.
    """
    since = CILIUM_FIELD_SINCE["skipUpgrade"]
    for c in repo.clusters:
        cilium = c.obj.get(*CILIUM_PATH)
        v = c.eksa_version
        if isinstance(cilium, dict) and "skipUpgrade" in cilium and v is not None and v < since:
            yield c.obj.violation(CILIUM_PATH + ("skipUpgrade",),
                                  f"skipUpgrade needs EKS-A {_vtext(since)} or later but eksaVersion is "
                                  f"{_vtext(v)}; upgrade EKS-A first or remove skipUpgrade")


@rule(id="EKSA203", reports_on=("Cluster",), fixable="unsafe", name="skip-upgrade-with-cilium-options", severity=ERROR, tags=("cilium", "lifecycle"),
      summary="skipUpgrade: true together with policyEnforcementMode, which EKS-A rejects.")
def skip_upgrade_with_options(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags a non-empty `policyEnforcementMode` next to `skipUpgrade: true` (an empty value is accepted).

    ## Why is this bad?
    With skipUpgrade EKS-A no longer manages Cilium, so its cluster validation rejects a non-empty
    `policyEnforcementMode` next to `skipUpgrade: true` (with skipUpgrade, the other Cilium fields must
    stay empty).

    ## Example
    ```yaml
    cilium: {skipUpgrade: true, policyEnforcementMode: always}
    ```

    ## Use instead
    ```yaml
    cilium: {skipUpgrade: true}
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster.go` `validateCiliumConfig` (called from `validateCNIConfig`
    via `validateNetworking`): when `CiliumConfig.IsManaged()` is false and `PolicyEnforcementMode` is
    non-empty it returns an error; in the version read, policyEnforcementMode is the only field it checks.
    """
    for c in repo.clusters:
        cilium = c.obj.get(*CILIUM_PATH)
        if isinstance(cilium, dict) and cilium.get("skipUpgrade") is True and cilium.get("policyEnforcementMode") not in (None, ""):
            yield c.obj.violation(CILIUM_PATH + ("policyEnforcementMode",),
                                  f"policyEnforcementMode {cilium.get('policyEnforcementMode')!r} is set with "
                                  "skipUpgrade: true; EKS-A rejects Cilium options it does not manage: remove it "
                                  "and configure Cilium yourself",
                                  fix=Fix("remove policyEnforcementMode", False,
                                          operation=("delete_entry", CILIUM_PATH + ("policyEnforcementMode",))))


PAUSE_ANNOTATIONS = {
    ("cluster.x-k8s.io", "Cluster"): ("cluster.x-k8s.io/paused", None),
    ("anywhere.eks.amazonaws.com", "Cluster"): ("anywhere.eks.amazonaws.com/paused", "true"),
}


@rule(id="EKSA204", reports_on=("Cluster",), fixable="unsafe", name="reconciliation-paused", severity=WARNING, tags=("lifecycle",),
      summary="A committed pause annotation on a Cluster: reconciliation stays off.")
def reconciliation_paused(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `cluster.x-k8s.io/paused` on a Cluster API Cluster and `anywhere.eks.amazonaws.com/paused: "true"`
    on an EKS-A Cluster.

    ## Why is this bad?
    Pausing is a step of a manual procedure; committing it means the final resume step was skipped and the
    controllers never reconcile the cluster again.

    ## Example
    ```yaml
    metadata:
      annotations: {anywhere.eks.amazonaws.com/paused: "true"}
    ```

    ## Use instead
    ```yaml
    metadata: {name: mgmt}
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster_types.go` (`pausedAnnotation` =
    `anywhere.eks.amazonaws.com/paused`; `Cluster.PauseReconcile` sets it to "true"), and the CLI's upgrade
    validation refuses a management cluster carrying it (seen in aws/eks-anywhere validation tests); EKS-A
    docs "Replace EKS Anywhere Cilium with a
    custom CNI" (`cluster-replace-cilium.md`: annotate `cluster.x-k8s.io/paused=true`, then remove it).
    kubernetes-sigs/cluster-api `api/v1beta1/common_types.go` `PausedAnnotation` (`cluster.x-k8s.io/paused`:
    its presence stops controllers from processing any Cluster API object).
    """
    objs = [c.obj for c in repo.clusters] + list(repo.capi_clusters)
    for obj in objs:
        key = (obj.group, obj.get("kind"))
        if key not in PAUSE_ANNOTATIONS:
            continue
        ann, want = PAUSE_ANNOTATIONS[key]
        anns = obj.annotations
        if isinstance(anns, dict) and ann in anns and (want is None or str(anns[ann]).lower() == want):
            yield obj.violation(("metadata", "annotations", ann),
                                f"annotation {ann}={anns[ann]!r} is committed; remove it so the controllers "
                                "resume reconciling the cluster",
                                fix=Fix(f"remove the {ann} annotation", False,
                                        operation=("delete_entry", ("metadata", "annotations", ann))))
