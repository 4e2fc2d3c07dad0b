"""Schema rules (EKSA101-EKSA106): objects checked against JSON schemas written from the upstream API types.

The schemas are package data in `schemas/`; `eksa_lint.schema` compiles each once and turns errors into node
paths (unknown key -> the key, with a did-you-mean; bad value -> the value; missing field -> its parent)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator

from eksa_lint.findings import Fix
from eksa_lint.model import CILIUM_POLICY_KINDS, Nad, Obj, Repo, Violation
from eksa_lint.registry import ERROR, rule
from eksa_lint.schema import CrdSchema, SchemaProblem, dotted, errors, errors_for, user_crd_schemas

EKSA_GROUP = "anywhere.eks.amazonaws.com"
# Datacenter and machine configs modelled so far (kind -> schemas/<name>.json)
EKSA_CONFIG_SCHEMAS = {
    "TinkerbellDatacenterConfig": "tinkerbelldatacenterconfig",
    "TinkerbellMachineConfig": "tinkerbellmachineconfig",
    "VSphereDatacenterConfig": "vspheredatacenterconfig",
    "VSphereMachineConfig": "vspheremachineconfig",
    "DockerDatacenterConfig": "dockerdatacenterconfig",
}


def _user_crd(repo: Repo, obj: Obj) -> CrdSchema | None:
    crds = tuple(getattr(repo.settings, "crds", ()) or ())
    if not crds:
        return None
    return user_crd_schemas(crds).get((obj.group, obj.kind, obj.version))


def _report(obj: Obj, problems: Iterable[SchemaProblem], prefix: str = "") -> Iterator[Violation]:
    for p in problems:
        fix = None
        if p.suggestion:
            fix = Fix(f'rename "{p.path[-1]}" to "{p.suggestion}"', True,
                      operation=("rename_key", p.path, p.suggestion))  # fmt: skip
        yield obj.violation(p.path, prefix + p.message, at=p.at, fix=fix)


def _check(repo: Repo, objs: Iterable[Obj], schema: str) -> Iterator[Violation]:
    for obj in objs:
        if _user_crd(repo, obj) is None:  # a user CRD replaces the built-in schema (EKSA106)
            yield from _report(obj, errors(schema, obj.data))


def _json_error_position(nad: Nad, exc: json.JSONDecodeError) -> tuple[int, int] | None:
    """File line/column of a JSON syntax error inside `spec.config`, in any scalar style (block, folded, quoted
    with escapes): the error's offset in the decoded string is mapped back through the scalar's source."""
    from eksa_lint.load.locate import string_offset

    f = nad.obj.file
    at = string_offset(f, nad.obj.doc.node, tuple(nad.obj.base) + nad.CONFIG_PATH, exc.pos)
    if at is None:
        return None
    return f.lines.position(at)


@rule(id="EKSA101", reports_on=("Cluster", *EKSA_CONFIG_SCHEMAS), fixable="safe", name="cluster-schema", severity=ERROR, tags=("schema", "eksa"),
      summary="An EKS Anywhere Cluster fails its schema (EKS-A decodes it strictly).")
def cluster_schema(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks each EKS Anywhere `Cluster` (anywhere.eks.amazonaws.com/v1alpha1), and the Tinkerbell, vSphere and
    Docker datacenter and machine configs, against the fields EKS-A accepts:
    unknown fields (with the closest known name), wrong types and values outside an enum. An unquoted
    `kubernetesVersion: 1.30` is accepted: EKS-A normalises it.

    ## Why is this bad?
    EKS-A reads the cluster config with a strict decoder, so an unknown or misspelt field makes
    `eksctl anywhere create cluster` (and upgrade) fail; a typo such as `skipUprade` is not ignored.

    ## Example
    ```yaml
    spec:
      clusterNetwork:
        cniConfig:
          cilium:
            skipUprade: true
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
    The Cluster type: https://github.com/aws/eks-anywhere/blob/main/pkg/api/v1alpha1/cluster_types.go and its
    CRD https://github.com/aws/eks-anywhere/blob/main/config/crd/bases/anywhere.eks.amazonaws.com_clusters.yaml
    (CiliumConfig: policyEnforcementMode default/always/never, routingMode default/direct, skipUpgrade), and
    tinkerbell/vsphere/docker datacenter and machine config types in the same folder.
    """
    yield from _check(repo, (c.obj for c in repo.subjects.clusters), "cluster")
    for kind, schema in EKSA_CONFIG_SCHEMAS.items():
        yield from _check(repo, repo.subjects.of_kind(kind, group=EKSA_GROUP), schema)


@rule(id="EKSA102", reports_on=("NetworkPolicy",), fixable="safe", name="networkpolicy-schema", severity=ERROR, tags=("schema", "policy"),
      summary="A Kubernetes NetworkPolicy fails its schema.")
def networkpolicy_schema(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks each NetworkPolicy (networking.k8s.io/v1) against the API's fields, types and enums.

    ## Why is this bad?
    `kubectl apply` (strict field validation) rejects the object, or with validation off drops the unknown
    field, so a rule you wrote (for example `ingres:`) silently does not exist.

    ## Example
    ```yaml
    spec:
      podSelector: {}
      policyTypes: [ingress]
    ```

    ## Use instead
    ```yaml
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    ```

    ## Source
    https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/api/networking/v1/types.go
    (NetworkPolicySpec, NetworkPolicyPeer, NetworkPolicyPort; PolicyType Ingress/Egress; Protocol TCP/UDP/SCTP).
    """
    yield from _check(repo, repo.subjects.network_policies, "networkpolicy")


@rule(id="EKSA103", reports_on=CILIUM_POLICY_KINDS, fixable="safe", name="cilium-policy-schema", severity=ERROR, tags=("schema", "cilium", "policy"),
      summary="A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy fails its schema.")
def cilium_policy_schema(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks each CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2): the fields of a rule
    (`spec` or each of `specs`) and their types.

    ## Why is this bad?
    The API server rejects a policy with an unknown field in a rule, and a misspelt `egres:` section would
    never be enforced.

    ## Example
    ```yaml
    spec:
      endpointSelector: {}
      egres: []
    ```

    ## Use instead
    ```yaml
    spec:
      endpointSelector: {}
      egress: []
    ```

    ## Source
    https://github.com/cilium/cilium/blob/main/pkg/policy/api/rule.go (Rule: endpointSelector, nodeSelector,
    ingress, ingressDeny, egress, egressDeny, labels, enableDefaultDeny, description, log).
    """
    yield from _check(repo, repo.subjects.cilium_policies, "ciliumnetworkpolicy")


@rule(id="EKSA104", reports_on=("NetworkAttachmentDefinition",), fixable="safe", name="nad-schema", severity=ERROR, tags=("schema", "multus"),
      summary="A NetworkAttachmentDefinition object fails its schema.")
def nad_schema(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks each NetworkAttachmentDefinition (k8s.cni.cncf.io/v1): `spec` holds only `config`, and `config` is a
    string (the CNI JSON).

    ## Why is this bad?
    A `config` written as a YAML mapping instead of a JSON string is rejected by the CRD, and Multus cannot
    attach the network.

    ## Example
    ```yaml
    spec:
      config:
        cniVersion: 0.3.1
    ```

    ## Use instead
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1"}'
    ```

    ## Source
    https://github.com/k8snetworkplumbingwg/network-attachment-definition-client/blob/master/artifacts/networks-crd.yaml
    (spec.config: string).
    """
    yield from _check(repo, (n.obj for n in repo.subjects.nads), "nad")


@rule(id="EKSA105", reports_on=("NetworkAttachmentDefinition",), name="cni-config-invalid", severity=ERROR, tags=("schema", "multus", "cni"),
      summary="The CNI config in a NetworkAttachmentDefinition is not JSON or fails the CNI/plugin/IPAM schema.")
def cni_config_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Parses `spec.config` as JSON and checks it: `cniVersion` (0.1.0 to 1.1.0 when set; plugins treat a missing
    one as 0.1.0), `type` (or a non-empty `plugins`
    list for a conflist), and the fields of the ipvlan, macvlan, bridge, host-device, vlan and sriov plugins and
    of the host-local, static, whereabouts and dhcp IPAM plugins. Other plugin types get the generic checks.
    `NaN`, `Infinity` and numbers too large for a float (`1e999`) are flagged too: Python's json accepts them,
    the plugins' Go JSON decoder does not.

    ## Why is this bad?
    Multus passes the string to the plugin at pod start: a JSON error or a bad field fails every pod that asks
    for the network (`ContainerCreating` forever), long after `kubectl apply` succeeded.

    ## Example
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1", "mode": "bridged"}'
    ```

    ## Use instead
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1", "mode": "bridge"}'
    ```

    ## Source
    CNI spec versions: https://github.com/containernetworking/cni/blob/main/SPEC.md; plugin fields:
    https://github.com/containernetworking/plugins/tree/main/plugins/main (ipvlan, macvlan, bridge, host-device,
    vlan), https://github.com/k8snetworkplumbingwg/sriov-cni, IPAM: plugins/ipam (host-local, static, dhcp) and
    https://github.com/k8snetworkplumbingwg/whereabouts/blob/master/pkg/types/types.go.
    """
    for nad in repo.subjects.nads:
        text = nad.config_text
        if text is None or not text.strip():
            continue
        try:
            data = json.loads(text)
        except ValueError as exc:
            msg = getattr(exc, "msg", str(exc))
            pos = f" at line {exc.lineno} column {exc.colno} of the JSON" if hasattr(exc, "lineno") else ""
            text_msg = f"spec.config is not valid JSON: {msg}{pos}; fix the JSON string"
            at = _json_error_position(nad, exc) if isinstance(exc, json.JSONDecodeError) else None
            if at is not None:
                yield repo.text_violation(nad.obj.file, at[0], at[1], text_msg)
            else:
                yield nad.obj.violation(nad.CONFIG_PATH, text_msg, at="value")
            continue
        if not isinstance(data, dict):
            yield nad.obj.violation(
                nad.CONFIG_PATH, f"spec.config is a JSON {type(data).__name__}; it must be a JSON object", at="value"
            )
            continue
        bad = list(_non_finite(data, ()))
        for path, value in bad:
            what = "NaN" if math.isnan(value) else "infinite"
            yield nad.obj.violation(
                nad.CONFIG_PATH + path,
                f"spec.config: {dotted(path)} is {what}; JSON has no NaN or infinite numbers (Infinity, 1e999), so "
                "the CNI plugin cannot parse the config",
                at="value",
            )
        for p in errors("cni-config", data):
            if any(p.path[: len(b)] == b for b, _ in bad):
                continue  # said above; "is null" or "expected an integer" would mislead
            path = nad.CONFIG_PATH + p.path
            yield nad.obj.violation(path, "spec.config: " + p.message.replace("the document", "the CNI config"),
                                    at=p.at)


def _non_finite(value: object, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], float]]:
    """Paths of the NaN and infinite numbers json.loads lets through (Go's encoding/json, which CNI plugins
    use, rejects them)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite(v, (*path, i))


@rule(id="EKSA106", name="crd-schema", severity=ERROR, tags=("schema", "crd"),
      summary="An object of a kind with a user-supplied CRD (`crds:` / `--crd-dir`) fails that CRD's schema.")
def crd_schema(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Validates objects whose group, kind and version match a CRD you supplied (`crds:` in the config or
    `--crd-dir`) against that CRD's `openAPIV3Schema` (int-or-string, preserve-unknown-fields and nullable
    honoured; unknown fields rejected where the schema lists properties). Such a CRD replaces the built-in
    schema for its kind.

    ## Why is this bad?
    The API server validates custom resources against the installed CRD; a field it does not know is rejected
    (strict field validation) or dropped.

    ## Example
    ```yaml
    apiVersion: example.com/v1
    kind: Widget
    spec:
      size: large   # the CRD says integer
    ```

    ## Use instead
    ```yaml
    apiVersion: example.com/v1
    kind: Widget
    spec:
      size: 3
    ```

    ## Source
    Structural schemas: https://github.com/kubernetes/apiextensions-apiserver/blob/master/pkg/apis/apiextensions/types_jsonschema.go
    """
    crds = tuple(getattr(repo.settings, "crds", ()) or ())
    if not crds:
        return
    schemas = user_crd_schemas(crds)
    if not schemas:
        return
    for obj in repo.subjects.objects:
        c = schemas.get((obj.group, obj.kind, obj.version))
        if c is not None:
            key = ("crd", c.source, c.group, c.kind, c.version)
            yield from _report(obj, errors_for(key, c.schema, obj.data))
