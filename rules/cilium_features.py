"""Cilium features per target (EKSA3xx): constructs that need a Cilium feature, judged by the tier table
(rules/tiers.yaml) for the target of the cluster the manifest belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eksa_lint.cilium import policy_specs, port_rules, section_rules
from eksa_lint.model import (
    CILIUM_GROUP,
    CILIUM_POLICY_KINDS,
    WORKLOAD_KINDS,
    EksaCluster,
    Obj,
    Repo,
    Violation,
)
from eksa_lint.registry import ERROR, rule
from eksa_lint.tiers import features

Path = tuple[Any, ...]
HELM_PATH = ("spec", "clusterNetwork", "cniConfig", "cilium", "helmValues")


def _feature(repo: Repo, obj: Obj, key: str, path: Path, what: str, cluster: EksaCluster | None = None
             ) -> Iterator[Violation]:  # fmt: skip
    """A violation at `path` when the target lacks the feature (error) or does not support it (warning)."""
    feat = features()[key]
    target = repo.target_for(cluster) if cluster is not None else repo.target_of(obj)
    sev = feat.severity(target)
    if sev is not None:
        v = obj.violation(path, f"{what} {feat.verdict(target)}")
        yield Violation(v.ref, v.message, v.obj, v.related, v.fix, sev)


def _l7(repo: Repo, key: str, names: tuple[str, ...], what: str) -> Iterator[Violation]:
    for obj in repo.subjects.cilium_policies:
        for path, port in port_rules(obj):
            rules = port.get("rules")
            if isinstance(rules, dict):
                for name in names:
                    if name in rules:
                        yield from _feature(repo, obj, key, path + ("rules", name), what)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _cilium_config_maps(repo: Repo) -> Iterator[Obj]:
    for cm in repo.of_kind("ConfigMap"):
        if cm.name == "cilium-config" and isinstance(cm.get("data"), dict):
            yield cm


@rule(id="EKSA301", reports_on=CILIUM_POLICY_KINDS, name="l7-http-policy", severity=ERROR, tags=("cilium", "policy", "l7"),
      summary="An HTTP (L7) policy rule needs Cilium's L7 proxy, which the target may not enable.")
def l7_http_policy(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `toPorts[].rules.http` in a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy when the cluster's
    target (see `--target`; by default from `spec.eksaVersion`) lacks L7 policy (error) or runs it unsupported
    (warning).

    ## Why is this bad?
    EKS-A's default Cilium (before v0.24) does not enable the L7 proxy ("DNS-aware and HTTP-Aware Network Policy"
    are listed as not enabled), so the HTTP rule is never enforced as written: traffic the rule meant to filter by
    method and path is not filtered that way.

    ## Example
    ```yaml
    toPorts:
      - ports: [{port: "80", protocol: TCP}]
        rules:
          http: [{method: GET, path: /public}]
    ```

    ## Use instead
    ```yaml
    toPorts:
      - ports: [{port: "80", protocol: TCP}]   # L4 only, or upgrade to EKS-A v0.24+ (eksa-aws)
    ```

    ## Source
    The feature table of the EKS-A networking docs ("Advanced Network Policy & Encryption (DNS, L7, TLS/SNI)" is
    not in EKS-A's default Cilium); cilium/cilium `pkg/policy/api/l4.go` (`L7Rules.HTTP`).
    """
    yield from _l7(repo, "l7-http", ("http",), "HTTP rule")


@rule(id="EKSA302", reports_on=CILIUM_POLICY_KINDS, name="l7-kafka-or-proxylib", severity=ERROR, tags=("cilium", "policy", "l7"),
      summary="A Kafka or proxylib (l7proto) policy rule needs an L7 proxy the target may not enable.")
def l7_kafka_or_proxylib(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `rules.kafka`, `rules.l7proto` and `rules.l7` in Cilium policies on targets without L7 policy.

    ## Why is this bad?
    Without the L7 proxy the Kafka/proxylib rule is not enforced as written.

    ## Example
    ```yaml
    rules:
      kafka: [{role: produce, topic: orders}]
    ```

    ## Use instead
    An L4 rule on the Kafka port, or a target with L7 policy (eksa-aws, cilium-oss, cilium-enterprise).

    ## Source
    cilium/cilium `pkg/policy/api/l4.go` (`L7Rules.Kafka`, `L7Proto`, `L7`); the EKS-A networking docs' feature
    table.
    """
    yield from _l7(repo, "l7-kafka", ("kafka", "l7proto", "l7"), "L7 rule")


@rule(id="EKSA303", reports_on=CILIUM_POLICY_KINDS, name="dns-aware-policy", severity=ERROR, tags=("cilium", "policy", "dns"),
      summary="`toFQDNs` or a DNS rule needs Cilium's DNS proxy, which the target may not enable.")
def dns_aware_policy(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `toFQDNs` and `toPorts[].rules.dns` in Cilium policies on targets without DNS-aware policy.

    ## Why is this bad?
    EKS-A's default Cilium lists "DNS-aware ... Network Policy" as not enabled: a `toFQDNs` rule then never
    learns the names' addresses, so the allowed traffic is dropped.

    ## Example
    ```yaml
    egress:
      - toFQDNs: [{matchName: api.example.com}]
    ```

    ## Use instead
    ```yaml
    egress:
      - toCIDR: [203.0.113.10/32]
    ```

    ## Source
    cilium/cilium `pkg/policy/api/fqdn.go` and `l4.go` (`L7Rules.DNS`); the EKS-A networking docs ("Additional
    Cilium Features": DNS-aware and HTTP-Aware Network Policy are not enabled).
    """
    for obj in repo.subjects.cilium_policies:
        for path, r in section_rules(obj):
            if "toFQDNs" in r:
                yield from _feature(repo, obj, "dns", path + ("toFQDNs",), "toFQDNs")
    yield from _l7(repo, "dns", ("dns",), "DNS rule")


@rule(id="EKSA304", reports_on=CILIUM_POLICY_KINDS, name="tls-sni-policy", severity=ERROR, tags=("cilium", "policy", "tls"),
      summary="TLS SNI matching or TLS interception in a policy needs a target with that feature.")
def tls_sni_policy(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `toPorts[].serverNames`, `terminatingTLS` and `originatingTLS` on targets without TLS/SNI policy.

    ## Why is this bad?
    The feature table lists TLS/SNI policy as not in EKS-A's default Cilium: the SNI filter is not applied.

    ## Example
    ```yaml
    toPorts:
      - ports: [{port: "443", protocol: TCP}]
        serverNames: [api.example.com]
    ```

    ## Use instead
    A CIDR/port rule, or a target with TLS/SNI policy.

    ## Source
    cilium/cilium `pkg/policy/api/l4.go` (`PortRule.ServerNames`, `TerminatingTLS`, `OriginatingTLS`); the EKS-A
    networking docs' feature table.
    """
    for obj in repo.subjects.cilium_policies:
        for path, port in port_rules(obj):
            for key in ("serverNames", "terminatingTLS", "originatingTLS"):
                if key in port:
                    yield from _feature(repo, obj, "tls-sni", path + (key,), key)


@rule(id="EKSA305", reports_on=("Ingress", "GatewayClass", "CiliumEnvoyConfig", "CiliumClusterwideEnvoyConfig", *CILIUM_POLICY_KINDS), name="ingress-gateway-mesh", severity=ERROR, tags=("cilium", "ingress", "mesh"),
      summary="Cilium Ingress, Gateway API, Envoy config or mutual authentication used on a target without them.")
def ingress_gateway_mesh(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags an Ingress of class `cilium`, a GatewayClass with controller `io.cilium/gateway-controller`,
    CiliumEnvoyConfig / CiliumClusterwideEnvoyConfig objects, `toPorts[].listener` and
    `authentication.mode: required` on targets without Ingress/Gateway API/service mesh.

    ## Why is this bad?
    On EKS-A's default Cilium nothing serves them: the Ingress gets no address and mesh policies are ignored.
    On eksa-aws they work but AWS does not support them.

    ## Example
    ```yaml
    kind: Ingress
    spec:
      ingressClassName: cilium
    ```

    ## Use instead
    An ingress controller you run yourself (its own class), or a target with these features.

    ## Source
    The EKS-A networking docs' feature table ("Ingress, Gateway API, & Service Mesh"); cilium/cilium
    `pkg/policy/api/l4.go` (`PortRule.Listener`) and `rule.go` (`Authentication`).
    """
    for obj in repo.subjects.of_kind("Ingress"):
        if obj.get("spec", "ingressClassName") == "cilium":
            yield from _feature(repo, obj, "ingress-gateway-mesh", ("spec", "ingressClassName"), "Ingress class cilium")
        elif obj.annotations.get("kubernetes.io/ingress.class") == "cilium":
            yield from _feature(repo, obj, "ingress-gateway-mesh",
                                ("metadata", "annotations", "kubernetes.io/ingress.class"), "Ingress class cilium")
    for obj in repo.subjects.of_kind("GatewayClass"):
        if obj.get("spec", "controllerName") == "io.cilium/gateway-controller":
            yield from _feature(repo, obj, "ingress-gateway-mesh", ("spec", "controllerName"), "Cilium GatewayClass")
    for obj in repo.subjects.of_kind("CiliumEnvoyConfig", "CiliumClusterwideEnvoyConfig", group=CILIUM_GROUP):
        yield from _feature(repo, obj, "ingress-gateway-mesh", ("kind",), obj.kind)
    for obj in repo.subjects.cilium_policies:
        for path, r in section_rules(obj):
            auth = r.get("authentication")
            if isinstance(auth, dict) and auth.get("mode") == "required":
                yield from _feature(repo, obj, "ingress-gateway-mesh", path + ("authentication", "mode"),
                                    "mutual authentication")
        for path, port in port_rules(obj):
            if "listener" in port:
                yield from _feature(repo, obj, "ingress-gateway-mesh", path + ("listener",), "Envoy listener")


GLOBAL_SERVICE_ANNOTATIONS = ("service.cilium.io/global", "io.cilium/global-service")


@rule(id="EKSA306", reports_on=("CiliumEgressGatewayPolicy", "CiliumBGP*", "Service", *CILIUM_POLICY_KINDS), name="egress-gateway-bgp-multicluster", severity=ERROR, tags=("cilium", "bgp", "clustermesh"),
      summary="Egress gateway, BGP or ClusterMesh objects on a target without them.")
def egress_gateway_bgp_multicluster(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags CiliumEgressGatewayPolicy, CiliumBGP* objects, the `cluster-mesh` entity in policies and Cilium
    global-service annotations on Services, judged per feature (egress gateway, BGP, multi-cluster).

    ## Why is this bad?
    The feature table lists "Multi-Cluster, Egress Gateway, BGP" as not in EKS-A's default Cilium (and not in the
    table's OSS column): the objects are ignored, so traffic does not leave through the gateway, routes are not
    announced, and global services stay local.

    ## Example
    ```yaml
    apiVersion: cilium.io/v2
    kind: CiliumEgressGatewayPolicy
    ```

    ## Use instead
    A target that has the feature (cilium-enterprise; BGP also on eksa-aws).

    ## Source
    The EKS-A networking docs' feature table; cilium/cilium CRDs `ciliumegressgatewaypolicies`,
    `ciliumbgp*`; `pkg/policy/api/entity.go` (`cluster-mesh`).
    """
    for obj in repo.subjects.of_kind("CiliumEgressGatewayPolicy", group=CILIUM_GROUP):
        yield from _feature(repo, obj, "egress-gateway", ("kind",), obj.kind)
    for obj in repo.subjects.objects:
        if obj.group == CILIUM_GROUP and obj.kind.startswith("CiliumBGP"):
            yield from _feature(repo, obj, "bgp", ("kind",), obj.kind)
    for obj in repo.subjects.cilium_policies:
        for path, r in section_rules(obj):
            for key in ("toEntities", "fromEntities"):
                ents = r.get(key)
                if isinstance(ents, list):
                    for i, e in enumerate(ents):
                        if e == "cluster-mesh":
                            yield from _feature(repo, obj, "multi-cluster", path + (key, i), "entity cluster-mesh")
    for obj in repo.subjects.of_kind("Service"):
        for ann in GLOBAL_SERVICE_ANNOTATIONS:
            if _truthy(obj.annotations.get(ann)):
                yield from _feature(repo, obj, "multi-cluster", ("metadata", "annotations", ann), "global service")


def _helm(c: EksaCluster, *path: str) -> Any:
    return c.obj.get(*HELM_PATH, *path)


@rule(id="EKSA307", reports_on=("Cluster", "ConfigMap", *WORKLOAD_KINDS), name="hubble-observability", severity=ERROR, tags=("cilium", "hubble"),
      summary="Hubble is enabled on a target without supported Hubble observability.")
def hubble_observability(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `helmValues.hubble` with `enabled: true` (or relay/ui enabled), `enable-hubble: "true"` in a
    `cilium-config` ConfigMap, and hubble-relay / hubble-ui workloads.

    ## Why is this bad?
    EKS-A's default Cilium does not include Hubble ("Some advanced features of Cilium are not enabled as part of
    EKS Anywhere, including: Hubble observability"); on eksa-aws it works but is not supported.

    ## Example
    ```yaml
    helmValues:
      hubble: {enabled: true}
    ```

    ## Use instead
    Leave Hubble off, or run a target that supports it (cilium-oss, cilium-enterprise).

    ## Source
    The EKS-A networking docs ("Additional Cilium Features"); the cilium Helm chart values (`hubble.enabled`).
    """
    for c in repo.clusters:
        hub = _helm(c, "hubble")
        if isinstance(hub, dict) and any(
            _truthy(x) for x in (hub.get("enabled"), (hub.get("relay") or {}).get("enabled") if isinstance(
                hub.get("relay"), dict) else None, (hub.get("ui") or {}).get("enabled") if isinstance(
                hub.get("ui"), dict) else None)
        ):
            yield from _feature(repo, c.obj, "hubble", HELM_PATH + ("hubble",), "helmValues.hubble", cluster=c)
    for cm in _cilium_config_maps(repo):
        if _truthy(cm.get("data", "enable-hubble")):
            yield from _feature(repo, cm, "hubble", ("data", "enable-hubble"), "enable-hubble")
    for w in repo.subjects.workloads:
        if w.obj.name in ("hubble-relay", "hubble-ui"):
            yield from _feature(repo, w.obj, "hubble", ("kind",), f"{w.obj.kind} {w.obj.name}")


@rule(id="EKSA308", reports_on=("Cluster", "ConfigMap"), name="transparent-encryption", severity=ERROR, tags=("cilium", "encryption"),
      summary="WireGuard or IPsec encryption is enabled on a target without it.")
def transparent_encryption(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `helmValues.encryption.enabled: true` and `enable-wireguard` / `enable-ipsec` set to `"true"` in a
    `cilium-config` ConfigMap.

    ## Why is this bad?
    EKS-A lists transparent encryption among the Cilium features it does not enable: traffic you expect to be
    encrypted between nodes is sent in clear, or the agent fails to start without the keys it needs.

    ## Example
    ```yaml
    helmValues:
      encryption: {enabled: true, type: wireguard}
    ```

    ## Use instead
    Encrypt at another layer (TLS, a mesh you run), or run a target with encryption.

    ## Source
    The EKS-A networking docs ("Additional Cilium Features": Transparent Encryption); the cilium Helm chart
    values (`encryption.enabled`, `encryption.type`).
    """
    for c in repo.clusters:
        if _truthy(_helm(c, "encryption", "enabled")):
            yield from _feature(repo, c.obj, "encryption", HELM_PATH + ("encryption", "enabled"),
                                "helmValues.encryption", cluster=c)
    for cm in _cilium_config_maps(repo):
        for key in ("enable-wireguard", "enable-ipsec"):
            if _truthy(cm.get("data", key)):
                yield from _feature(repo, cm, "encryption", ("data", key), key)


@rule(id="EKSA309", reports_on=("TracingPolicy", "TracingPolicyNamespaced"), name="tetragon-runtime-security", severity=ERROR, tags=("cilium", "tetragon"),
      summary="Tetragon TracingPolicy objects on a target without Tetragon.")
def tetragon_runtime_security(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags TracingPolicy and TracingPolicyNamespaced objects (Tetragon's API).

    ## Why is this bad?
    The feature table lists Tetragon Runtime Security only for Isovalent Cilium Enterprise; without Tetragon the
    objects are not even accepted (no CRD), so the runtime policy you review does not exist in the cluster.

    ## Example
    ```yaml
    apiVersion: cilium.io/v1alpha1
    kind: TracingPolicy
    ```

    ## Use instead
    Install Tetragon yourself (and say so with `--target cilium-enterprise`), or drop the policy.

    ## Source
    The EKS-A networking docs' feature table ("Tetragon Runtime Security"); cilium/tetragon CRDs.
    """
    for obj in repo.subjects.of_kind("TracingPolicy", "TracingPolicyNamespaced", group=CILIUM_GROUP):
        yield from _feature(repo, obj, "tetragon", ("kind",), obj.kind)


def _host_firewall_enabled(repo: Repo, cluster: EksaCluster | None) -> bool:
    if cluster is not None and _truthy(_helm(cluster, "hostFirewall", "enabled")):
        return True
    return any(_truthy(cm.get("data", "enable-host-firewall")) for cm in _cilium_config_maps(repo))


@rule(id="EKSA310", reports_on=("CiliumClusterwideNetworkPolicy",), name="host-firewall-policy", severity=ERROR, tags=("cilium", "policy", "host"),
      summary="A host policy (CCNP with nodeSelector) while the host firewall is not enabled.")
def host_firewall_policy(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Flags `nodeSelector` in a CiliumClusterwideNetworkPolicy when neither `helmValues.hostFirewall.enabled` nor
    `enable-host-firewall: "true"` in a `cilium-config` ConfigMap turns the host firewall on, judged by the
    target; the message also says which targets support host policies at all.

    ## Why is this bad?
    Without the host firewall Cilium ignores host policies: the nodes you meant to lock down stay open.

    ## Example
    ```yaml
    kind: CiliumClusterwideNetworkPolicy
    spec:
      nodeSelector: {matchLabels: {node-role.kubernetes.io/control-plane: ""}}
    ```

    ## Use instead
    Enable the host firewall (`helmValues: {hostFirewall: {enabled: true}}`, EKS-A v0.24+), or protect the nodes
    with a firewall outside the cluster.

    ## Source
    cilium/cilium `pkg/policy/api/rule.go` (`NodeSelector`) and the Helm value `hostFirewall.enabled`
    (agent option `enable-host-firewall`).
    """
    for obj in repo.subjects.of_kind("CiliumClusterwideNetworkPolicy", group=CILIUM_GROUP):
        cluster = repo.cluster_for(obj)
        if _host_firewall_enabled(repo, cluster):
            continue
        feat = features()["host-firewall"]
        target = repo.target_for(cluster) if cluster is not None else repo.target_of(obj)
        extra = "" if feat.severity(target) is None else f"; {feat.verdict(target)}"
        for base, spec in policy_specs(obj):
            if "nodeSelector" in spec:
                yield obj.violation(
                    base + ("nodeSelector",),
                    "host policy, but the host firewall is not enabled, so Cilium ignores it: set "
                    f"helmValues.hostFirewall.enabled: true (or enable-host-firewall in cilium-config){extra}",
                )
