"""Policy semantics (EKSA601-607): NetworkPolicies and Cilium policies that the API server or the Cilium
agent rejects, and valid policies that cut off DNS, the overlay or whole namespaces."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eksa_lint import ipnet
from eksa_lint.cilium import policy_specs
from eksa_lint.model import CILIUM_GROUP, CILIUM_POLICY_KINDS, Obj, Repo, Violation
from eksa_lint.registry import ERROR, WARNING, rule
from eksa_lint.selectors import SERVICEACCOUNT_LABEL, PodLabels, endpoint_matches, matches, selects_all

NP_PROTOCOLS = ("TCP", "UDP", "SCTP")
NP_POLICY_TYPES = ("Ingress", "Egress")
PORT_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")
CILIUM_MAX_PORTS = 40
# Cilium L3 selector kinds per direction; more than one in a rule is rejected (rule_validation.go).
L3_KINDS = {
    "ingress": ("fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups"),
    "ingressDeny": ("fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups"),
    "egress": ("toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toNodes",
               "toGroups"),
    "egressDeny": ("toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toNodes", "toGroups"),
}
L7_KINDS = ("http", "kafka", "dns", "l7")
# Tunnel port by Cilium tunnelProtocol; routingMode native/direct has none.
TUNNEL_PORTS = {"geneve": "6081", "vxlan": "8472"}
HEALTH_PORT = "4240"
OVERLAY_ENTITIES = ("remote-node", "health", "cluster", "all")
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "eksa-system", "cert-manager",
                     "eksa-packages")
SYSTEM_NAMESPACE_PREFIXES = ("capi-", "capt-", "capv-", "capc-", "capx-", "etcdadm-", "eksa-packages-")


def _is_system(ns: str) -> bool:
    return ns in SYSTEM_NAMESPACES or ns.startswith(SYSTEM_NAMESPACE_PREFIXES)


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _port_num(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit():
        # isdigit() alone accepts '²' (int() rejects it); a huge digit string exceeds int()'s digit limit
        return int(v) if len(v) <= 20 else 10 ** 20
    return None


def _selector_problems(sel: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if not isinstance(sel, dict):
        return
    for i, e in enumerate(_list(sel.get("matchExpressions"))):
        if not isinstance(e, dict):
            continue
        op, vals = e.get("operator"), e.get("values")
        if op in ("In", "NotIn") and not vals:
            yield path + ("matchExpressions", i, "operator"), (
                f'matchExpressions operator "{op}" needs a non-empty `values` list; add the values to match')
        elif op in ("Exists", "DoesNotExist") and vals:
            yield path + ("matchExpressions", i, "values"), (
                f'matchExpressions operator "{op}" must not have `values` (got {vals!r}); remove them')
        elif op is not None and op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            yield path + ("matchExpressions", i, "operator"), (
                f'unknown matchExpressions operator "{op}"; use In, NotIn, Exists or DoesNotExist')


@rule(id="EKSA601", reports_on=("NetworkPolicy",), name="networkpolicy-invalid", severity=ERROR, tags=("policy",),
      summary="A NetworkPolicy the Kubernetes API server rejects.")
def networkpolicy_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks what the API server validates beyond structure in a `networking.k8s.io/v1` NetworkPolicy:
    protocols (TCP/UDP/SCTP), ports (1-65535 or a valid port name), `endPort` (needs a numeric `port`
    and must not be below it), peers (at least one selector; `ipBlock` alone), `ipBlock.except` (strictly
    inside `cidr`), `policyTypes` (Ingress/Egress, at most two) and selector operators.

    ## Why is this bad?
    `kubectl apply` fails, so the policy you meant to enforce never exists.

    ## Example
    ```yaml
    spec:
      podSelector: {}
      egress:
        - to:
            - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}
          ports:
            - {protocol: ICMP, port: 70000}
    ```

    ## Use instead
    ```yaml
    spec:
      podSelector: {}
      egress:
        - to:
            - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}
          ports:
            - {protocol: TCP, port: 443}
    ```

    ## Source
    kubernetes/kubernetes `pkg/apis/networking/validation/validation.go` (ValidateNetworkPolicySpec,
    ValidateNetworkPolicyPort, ValidateNetworkPolicyPeer, ValidateIPBlock) and
    `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go` (label selector operators).
    """
    for o in repo.subjects.network_policies:
        spec = o.get("spec")
        if not isinstance(spec, dict):
            continue
        for p, msg in _selector_problems(spec.get("podSelector"), ("spec", "podSelector")):
            yield o.violation(p, msg)
        pt = spec.get("policyTypes")
        if isinstance(pt, list):
            if len(pt) > 2:
                yield o.violation(("spec", "policyTypes"),
                                  f"policyTypes has {len(pt)} entries; at most two (Ingress, Egress) are allowed")
            for i, t in enumerate(pt):
                if t not in NP_POLICY_TYPES:
                    yield o.violation(("spec", "policyTypes", i), f'unknown policyType {t!r}; use "Ingress" or '
                                      '"Egress"', at="value")
        for direction, peers_key in (("ingress", "from"), ("egress", "to")):
            for i, r in enumerate(_list(spec.get(direction))):
                if not isinstance(r, dict):
                    continue
                base = ("spec", direction, i)
                for j, port in enumerate(_list(r.get("ports"))):
                    if isinstance(port, dict):
                        yield from _np_port(o, base + ("ports", j), port)
                for j, peer in enumerate(_list(r.get(peers_key))):
                    if isinstance(peer, dict):
                        yield from _np_peer(o, base + (peers_key, j), peer)


def _np_port(o: Obj, path: tuple[Any, ...], port: dict[str, Any]) -> Iterator[Violation]:
    proto = port.get("protocol")
    if proto is not None and proto not in NP_PROTOCOLS:
        yield o.violation(path + ("protocol",), f'protocol {proto!r} is not supported; use TCP, UDP or SCTP '
                          "(ICMP cannot be expressed in a NetworkPolicy)", at="value")
    p = port.get("port")
    num = _port_num(p)
    if isinstance(p, int) and not isinstance(p, bool) and not 1 <= p <= 65535:
        yield o.violation(path + ("port",), f"port {p} is outside 1-65535", at="value")
    elif isinstance(p, str) and not (p.isascii() and p.isdigit()) and (not PORT_NAME_RE.match(p) or not re.search("[a-z]", p)
                                                     or "--" in p):
        yield o.violation(path + ("port",), f'port {p!r} is not a valid port name (at most 15 lowercase '
                          "letters, digits and single hyphens, with a letter); use a number or the "
                          "container port's name", at="value")
    if "endPort" in port:
        end = port.get("endPort")
        if num is None or isinstance(p, str):
            yield o.violation(path + ("endPort",), f"endPort {end!r} needs a numeric `port` as the range start")
        elif isinstance(end, int) and end < num:
            yield o.violation(path + ("endPort",), f"endPort {end} is below port {num}; use endPort >= port")


def _np_peer(o: Obj, path: tuple[Any, ...], peer: dict[str, Any]) -> Iterator[Violation]:
    kinds = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
    if not kinds:
        yield o.violation(path, "a peer needs a podSelector, namespaceSelector or ipBlock; an empty peer is "
                          "rejected (omit `from`/`to` to allow all)")
        return
    if "ipBlock" in kinds and len(kinds) > 1:
        yield o.violation(path + ("ipBlock",), "ipBlock cannot be combined with a selector in the same peer; "
                          "make them two list items")
    for k in ("podSelector", "namespaceSelector"):
        for p, msg in _selector_problems(peer.get(k), path + (k,)):
            yield o.violation(p, msg)
    block = peer.get("ipBlock")
    if isinstance(block, dict):
        net = ipnet.parse_cidr(block.get("cidr"))
        if net is None:
            return
        for k, ex in enumerate(_list(block.get("except"))):
            exn = ipnet.parse_cidr(ex)
            if exn is None:
                continue
            if exn.version != net.version or not exn.subnet_of(net) or exn.prefixlen <= net.prefixlen:
                yield o.violation(path + ("ipBlock", "except", k), f"except {ex} must be a strict subset of "
                                  f"cidr {block.get('cidr')}", at="value")


@rule(id="EKSA602", reports_on=CILIUM_POLICY_KINDS, name="cilium-policy-invalid", severity=ERROR, tags=("policy", "cilium"),
      summary="A CiliumNetworkPolicy the Cilium agent rejects.")
def cilium_policy_invalid(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Checks a CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (`spec` and every `specs[i]`) for what
    the agent's Sanitize rejects: no `spec`/`specs`; `nodeSelector` in a namespaced policy; neither or both
    of `endpointSelector`/`nodeSelector`; two L3 selector kinds in one rule; `icmps` with `toPorts`;
    DNS rules on ingress or with no `ports` (any port is accepted on
    egress: OpenShift DNS listens on 5353); L7 rules in a host policy; two L7 kinds in one port rule; `serverNames` with L7 rules
    but no `terminatingTLS`; more than 40 ports; L7 (other than DNS) on non-TCP; `except` outside its
    `cidr`; `matchName` with `matchPattern` in one FQDN selector.

    ## Why is this bad?
    The agent refuses the policy and it is never enforced; `kubectl apply` still succeeds, so the mistake
    is silent.

    ## Example
    ```yaml
    spec:
      endpointSelector: {}
      egress:
        - toEndpoints: [{}]
          toCIDR: [10.0.0.0/8]
    ```

    ## Use instead
    ```yaml
    spec:
      endpointSelector: {}
      egress:
        - toEndpoints: [{}]
        - toCIDR: [10.0.0.0/8]
    ```

    ## Source
    cilium/cilium `pkg/policy/api/rule_validation.go` (Rule.Sanitize, IngressRule/EgressRule sanitize,
    PortRule.sanitize with maxPorts = 40), `pkg/policy/api/l4.go`, `pkg/policy/api/fqdn.go`
    (FQDNSelector: matchName and matchPattern are exclusive), `pkg/policy/api/cidr.go`.
    """
    for o in repo.subjects.cilium_policies:
        if o.get("spec") is None and o.get("specs") is None:
            yield o.violation((), f"{o.kind} {o.name} has neither `spec` nor `specs`; add the policy rules")
            continue
        namespaced = o.kind == "CiliumNetworkPolicy"
        for path, r in policy_specs(o):
            has_ep, has_node = "endpointSelector" in r, "nodeSelector" in r
            if namespaced and has_node:
                yield o.violation(path + ("nodeSelector",), "nodeSelector is only allowed in a "
                                  "CiliumClusterwideNetworkPolicy; use endpointSelector or make it clusterwide")
            elif has_ep and has_node:
                yield o.violation(path + ("nodeSelector",), "a rule has both endpointSelector and nodeSelector; "
                                  "keep one")
            elif not has_ep and not has_node:
                yield o.violation(path, "a rule needs an endpointSelector (or a nodeSelector in a clusterwide "
                                  "policy); add `endpointSelector: {}` to select all pods")
            for direction, kinds in L3_KINDS.items():
                for i, dr in enumerate(_list(r.get(direction))):
                    if isinstance(dr, dict):
                        yield from _cilium_dir_rule(o, path + (direction, i), direction, dr, kinds,
                                                    host=has_node and not has_ep)


def _cilium_dir_rule(o: Obj, path: tuple[Any, ...], direction: str, dr: dict[str, Any],
                     kinds: tuple[str, ...], host: bool = False) -> Iterator[Violation]:
    present = [k for k in kinds if dr.get(k) is not None]
    if len(present) > 1:
        yield o.violation(path + (present[1],), f"combining {present[0]} and {present[1]} in one rule is "
                          "not supported; split them into two rules")
    if dr.get("icmps") is not None and dr.get("toPorts") is not None:
        yield o.violation(path + ("icmps",), "icmps and toPorts cannot be in the same rule; split them")
    for key in ("toCIDRSet", "fromCIDRSet"):
        for k, cs in enumerate(_list(dr.get(key))):
            if not isinstance(cs, dict):
                continue
            net = ipnet.parse_cidr(cs.get("cidr"))
            for m, ex in enumerate(_list(cs.get("except"))):
                exn = ipnet.parse_cidr(ex)
                if net is not None and exn is not None and (exn.version != net.version
                                                            or not exn.subnet_of(net)):
                    yield o.violation(path + (key, k, "except", m), f"except {ex} is not inside cidr "
                                      f"{cs.get('cidr')}", at="value")
    for k, f in enumerate(_list(dr.get("toFQDNs"))):
        if isinstance(f, dict) and f.get("matchName") is not None and f.get("matchPattern") is not None:
            yield o.violation(path + ("toFQDNs", k), "an FQDN selector has both matchName and matchPattern; "
                              "use one per list item")
    for j, pr in enumerate(_list(dr.get("toPorts"))):
        if isinstance(pr, dict):
            yield from _cilium_port_rule(o, path + ("toPorts", j), direction, pr, host)


def _cilium_port_rule(o: Obj, path: tuple[Any, ...], direction: str, pr: dict[str, Any],
                      host: bool = False) -> Iterator[Violation]:
    ports = _list(pr.get("ports"))
    if len(ports) > CILIUM_MAX_PORTS:
        yield o.violation(path + ("ports",), f"{len(ports)} ports in one port rule; Cilium allows at most "
                          f"{CILIUM_MAX_PORTS}; split them or use endPort ranges")
    rules = pr.get("rules")
    if not isinstance(rules, dict):
        return
    l7 = [k for k in L7_KINDS if rules.get(k) is not None]
    if len(l7) > 1:
        yield o.violation(path + ("rules", l7[1]), f"a port rule has two L7 kinds ({', '.join(l7)}); use one "
                          "per port rule")
    if "dns" in l7 and direction.startswith("ingress"):
        yield o.violation(path + ("rules", "dns"), "DNS rules are only allowed on egress; move them to an "
                          "egress rule to port 53")
    elif "dns" in l7 and not ports:
        yield o.violation(path + ("rules", "dns"), "DNS rules need the port in `ports`; add "
                          '`ports: [{port: "53", protocol: ANY}]`')
    if l7 and host:
        yield o.violation(path + ("rules", l7[0]), "host policies (nodeSelector) do not support L7 rules; "
                          "remove the L7 rules or use an endpointSelector")
    if l7 and pr.get("serverNames") is not None and pr.get("terminatingTLS") is None:
        yield o.violation(path + ("serverNames",), "serverNames with L7 rules needs terminatingTLS; add it or "
                          "drop the L7 rules")
    if any(k != "dns" for k in l7):
        for m, p in enumerate(ports):
            proto = p.get("protocol") if isinstance(p, dict) else None
            if isinstance(proto, str) and proto.upper() not in ("TCP", "ANY"):
                yield o.violation(path + ("ports", m, "protocol"), f"L7 rules only apply to TCP, not {proto}; "
                                  "use TCP (only DNS rules may use UDP)", at="value")


# ---- cross-object helpers -------------------------------------------------------------------------------

def _np_allows_dns(spec: dict[str, Any]) -> bool:
    """An egress rule with no ports (all ports), or a port entry covering UDP 53."""
    for r in _list(spec.get("egress")):
        if not isinstance(r, dict):
            continue
        ports = r.get("ports")
        if not ports:
            return True
        for p in _list(ports):
            if not isinstance(p, dict):
                continue
            if str(p.get("protocol") or "TCP").upper() != "UDP":
                continue
            port = p.get("port")
            num = _port_num(port)
            end = p.get("endPort")
            if port is None or (isinstance(port, str) and num is None):
                return True  # all UDP ports, or a named port: cannot tell, stay silent
            if num == 53 or (isinstance(end, int) and num is not None and num <= 53 <= end):
                return True
    return False


def _cilium_allows_dns(r: dict[str, Any]) -> bool:
    for er in _list(r.get("egress")):
        if not isinstance(er, dict):
            continue
        tp = er.get("toPorts")
        if not tp:
            return True  # L3-only allow: all ports to those peers
        for pr in _list(tp):
            for p in _list(_dict(pr).get("ports")):
                if isinstance(p, dict) and str(p.get("port")) in ("53", "0", "None") and \
                        str(p.get("protocol") or "ANY").upper() in ("UDP", "ANY"):
                    return True
    return False


def _cilium_has_dns_proxy(r: dict[str, Any]) -> bool:
    for er in _list(r.get("egress")):
        for pr in _list(_dict(er).get("toPorts")):
            pr = _dict(pr)
            if _dict(pr.get("rules")).get("dns") is not None and any(
                    isinstance(p, dict) and str(p.get("port")) == "53" for p in _list(pr.get("ports"))):
                return True
    return False


def _restricts_egress_np(spec: dict[str, Any]) -> bool:
    pt = spec.get("policyTypes")
    if isinstance(pt, list):
        return "Egress" in pt
    return spec.get("egress") is not None


def _pod_labels(w: Any) -> dict[str, Any]:
    """A workload's pod labels plus the service-account label Cilium derives from serviceAccountName."""
    labels = dict(w.pod_labels) if isinstance(w.pod_labels, dict) else {}
    spec = w.pod_spec if isinstance(w.pod_spec, dict) else {}
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    labels[SERVICEACCOUNT_LABEL] = str(sa)
    return labels


def _under(folder: str, root: str) -> bool:
    folder, root = folder.strip("/"), root.strip("/")
    return not root or folder == root or folder.startswith(root + "/")


def _ns_of(o: Obj) -> str:
    return o.effective_namespace or "default"


@rule(id="EKSA603", reports_on=("NetworkPolicy", "CiliumNetworkPolicy"), name="egress-blocks-dns", severity=WARNING, tags=("policy",),
      summary="A namespace-wide egress policy leaves pods without DNS.")
def egress_blocks_dns(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    In each namespace, finds a policy that selects all pods (`podSelector: {}` / `endpointSelector: {}`)
    and restricts egress, when no policy there that selects all pods (nor a clusterwide one) allows
    UDP 53 (or all ports).

    ## Why is this bad?
    Once a pod is selected by an egress policy, everything not allowed is dropped, including DNS to
    CoreDNS in kube-system: every name lookup times out.

    ## Example
    ```yaml
    kind: NetworkPolicy
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - ports: [{protocol: TCP, port: 443}]
    ```

    ## Use instead
    ```yaml
    kind: NetworkPolicy
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - ports: [{protocol: TCP, port: 443}]
        - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    ```

    ## Source
    kubernetes/website `content/en/docs/concepts/services-networking/network-policies.md` (isolation for
    egress); cilium/cilium `pkg/policy/api/egress.go` (an egress section puts the endpoint in default deny).
    """
    restricting: dict[str, list[tuple[Obj, tuple[Any, ...]]]] = {}
    allowing: set[str] = set()
    clusterwide_allows = False
    # only namespaces that hold a reported policy can have a finding: read the policies of those (and the
    # clusterwide ones)
    namespaces = {_ns_of(o) for o in (*repo.subjects.network_policies, *repo.subjects.cilium_policies)
                  if o.kind != "CiliumClusterwideNetworkPolicy"}
    nps = [o for ns in sorted(namespaces) for o in repo.namespaced("network_policies", ns)]
    cnps = sorted({id(o): o for ns in (None, *sorted(namespaces))
                   for o in repo.namespaced("cilium_policies", ns)}.values(), key=lambda o: (o.path, o.doc.index))
    for o in nps:
        spec = o.get("spec")
        if not isinstance(spec, dict) or not selects_all(spec.get("podSelector")):
            continue
        ns = _ns_of(o)
        if _restricts_egress_np(spec):
            key = "policyTypes" if isinstance(spec.get("policyTypes"), list) else "egress"
            restricting.setdefault(ns, []).append((o, ("spec", key)))
            if _np_allows_dns(spec):
                allowing.add(ns)
    for o in cnps:
        for path, r in policy_specs(o):
            if _cilium_allows_dns(r):
                if o.kind != "CiliumNetworkPolicy":
                    clusterwide_allows = True
                elif selects_all(r.get("endpointSelector")):
                    allowing.add(_ns_of(o))
            if o.kind == "CiliumNetworkPolicy" and selects_all(r.get("endpointSelector")) and \
                    r.get("egress") is not None:
                restricting.setdefault(_ns_of(o), []).append((o, path + ("egress",)))
    if clusterwide_allows:
        return
    for ns, items in restricting.items():
        if ns in allowing:
            continue
        for o, path in items:
            yield o.violation(path, f'{o.kind} "{o.name}" restricts egress of every pod in namespace "{ns}" '
                              "and no policy there allows DNS; add an egress rule to UDP and TCP port 53")


@rule(id="EKSA604", reports_on=("NetworkPolicy", "CiliumNetworkPolicy"), name="policy-selects-nothing", severity=WARNING, tags=("policy",),
      summary="A policy's selector matches none of the namespace's workloads.")
def policy_selects_nothing(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    For a NetworkPolicy's `podSelector` or a CiliumNetworkPolicy's `endpointSelector`, checks the pod
    templates of the workloads in the same namespace of the same cluster (the Cluster config in the
    policy's folder or a parent folder; without one, the workloads in the policy's folder and below). When
    the namespace has workloads and none matches, the selector is almost always a label typo.

    ## Why is this bad?
    A policy that selects nothing enforces nothing: the pods you meant to protect stay open.

    ## Example
    ```yaml
    kind: NetworkPolicy
    metadata: {namespace: shop}
    spec:
      podSelector: {matchLabels: {app: frontnd}}
    ```

    ## Use instead
    ```yaml
    kind: NetworkPolicy
    metadata: {namespace: shop}
    spec:
      podSelector: {matchLabels: {app: frontend}}
    ```

    ## Source
    kubernetes/kubernetes `staging/src/k8s.io/apimachinery/pkg/labels/selector.go` (selector semantics);
    cilium/cilium `pkg/policy/api/selector.go` (EndpointSelector, `k8s:` source prefix).
    """
    # Workloads by folder and every folder above it, then by namespace: a policy is compared with the
    # workloads in its folder or below it (unrelated trees are not compared).
    below: dict[str, dict[str, list[dict[str, Any]]]] = {}
    namespaces = {_ns_of(o) for o in (*repo.subjects.network_policies, *repo.subjects.cilium_policies)}
    for w in (w for ns in sorted(namespaces) for w in repo.namespaced("workloads", ns)):
        ns, labels = w.namespace or "default", _pod_labels(w)
        owner = repo.cluster_for(w.obj)
        if owner is not None:
            below.setdefault(f"\0{id(owner.obj)}", {}).setdefault(ns, []).append(labels)
        folder = w.obj.folder.strip("/")
        while True:
            below.setdefault(folder, {}).setdefault(ns, []).append(labels)
            if not folder:
                break
            folder = folder.rpartition("/")[0]

    indexed: dict[str, dict[str, PodLabels]] = {}

    def near(o: Obj) -> dict[str, PodLabels]:
        """The workloads of the policy's cluster, or without one, of its folder and below, by namespace."""
        owner = repo.cluster_for(o)
        scope = f"\0{id(owner.obj)}" if owner is not None else o.folder.strip("/")
        if scope not in indexed:
            indexed[scope] = {ns: PodLabels(pods) for ns, pods in below.get(scope, {}).items()}
        return indexed[scope]

    for o in repo.subjects.network_policies:
        sel = o.get("spec", "podSelector")
        ns = _ns_of(o)
        by_ns = near(o)
        if not isinstance(sel, dict) or selects_all(sel) or ns not in by_ns:
            continue
        pods = by_ns[ns]
        if all(matches(sel, labels) is False for labels in pods.candidates(sel)):  # stops at the first match (or "cannot tell")
            yield o.violation(("spec", "podSelector"), f"podSelector matches none of the {len(pods)} "
                              f'workload(s) in namespace "{ns}"; check the labels against the pod templates')
    for o in repo.subjects.cilium_policies:
        if o.kind != "CiliumNetworkPolicy":
            continue
        ns = _ns_of(o)
        by_ns = near(o)
        if ns not in by_ns:
            continue
        for path, r in policy_specs(o):
            sel = r.get("endpointSelector")
            if not isinstance(sel, dict) or selects_all(sel):
                continue
            pods = by_ns[ns]
            if all(endpoint_matches(sel, labels, ns) is False for labels in pods.candidates(sel, cilium=True)):
                yield o.violation(path + ("endpointSelector",), f"endpointSelector matches none of the "
                                  f'{len(pods)} workload(s) in namespace "{ns}"; check the labels')


@rule(id="EKSA605", reports_on=("CiliumNetworkPolicy",), name="fqdn-without-dns-proxy", severity=ERROR, tags=("policy", "cilium"),
      summary="toFQDNs for pods whose DNS traffic no policy sends through Cilium's DNS proxy.")
def fqdn_without_dns_proxy(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Finds a `toFQDNs` egress rule whose selected pods get no `rules.dns` rule on port 53 from any
    CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy. Stays silent when it cannot tell.

    ## Why is this bad?
    Cilium learns the IPs behind `toFQDNs` names only from DNS answers its DNS proxy sees; without a
    `rules.dns` rule the proxy never sees a lookup and the FQDN policy allows nothing.

    ## Example
    ```yaml
    spec:
      endpointSelector: {matchLabels: {app: crawler}}
      egress:
        - toFQDNs: [{matchName: api.github.com}]
    ```

    ## Use instead
    ```yaml
    spec:
      endpointSelector: {matchLabels: {app: crawler}}
      egress:
        - toFQDNs: [{matchName: api.github.com}]
        - toEndpoints:
            - matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}
          toPorts:
            - ports: [{port: "53", protocol: ANY}]
              rules: {dns: [{matchPattern: "*"}]}
    ```

    ## Source
    cilium/cilium `pkg/policy/api/fqdn.go` (FQDNSelector: "must be used with a DNS rule ... the DNS proxy")
    and `Documentation/security/dns.rst`.
    """
    namespaces = {_ns_of(o) for o in repo.subjects.cilium_policies if o.kind == "CiliumNetworkPolicy"}
    if not namespaces:
        return  # findings are on reported CiliumNetworkPolicies
    dns_rules: list[tuple[str | None, Any]] = []  # (namespace or None for clusterwide, selector)
    # the clusterwide policies, and the namespaced ones where a reported policy is (never compared elsewhere)
    for o in sorted({id(o): o for ns in (None, *sorted(namespaces))
                     for o in repo.namespaced("cilium_policies", ns)}.values(), key=lambda o: (o.path, o.doc.index)):
        for _, r in policy_specs(o):
            if _cilium_has_dns_proxy(r):
                dns_rules.append((_ns_of(o) if o.kind == "CiliumNetworkPolicy" else None,
                                  r.get("endpointSelector")))
    pods: dict[str, list[dict[str, Any]]] = {}
    for w in (w for ns in sorted(namespaces) for w in repo.namespaced("workloads", ns)):
        pods.setdefault(w.namespace or "default", []).append(_pod_labels(w))
    for o in repo.subjects.cilium_policies:
        if o.kind != "CiliumNetworkPolicy":
            continue
        ns = _ns_of(o)
        for path, r in policy_specs(o):
            if _cilium_has_dns_proxy(r):
                continue
            for i, er in enumerate(_list(r.get("egress"))):
                if not isinstance(er, dict) or er.get("toFQDNs") is None:
                    continue
                cands = [sel for cns, sel in dns_rules if cns in (None, ns)]
                sel = r.get("endpointSelector")
                if not cands:
                    uncovered = True
                else:
                    mine = [lb for lb in pods.get(ns, []) if endpoint_matches(sel, lb, ns) is True]
                    uncovered = bool(mine) and any(
                        all(endpoint_matches(c, lb, ns) is False for c in cands) for lb in mine)
                if uncovered:
                    yield o.violation(path + ("egress", i, "toFQDNs"), "toFQDNs needs a DNS rule for the same "
                                      'pods: add an egress rule to port 53 with `rules: {dns: [{matchPattern: "*"}]}`'
                                      " so Cilium's DNS proxy learns the IPs")


def _tunnel_port(cluster: Any) -> str | None:
    cil = _dict(getattr(cluster, "cilium", None)) if cluster is not None else {}
    helm = _dict(cil.get("helmValues"))
    mode = str(helm.get("routingMode") or cil.get("routingMode") or "").lower()
    if mode in ("direct", "native"):
        return None
    proto = str(helm.get("tunnelProtocol") or helm.get("tunnel") or "geneve").lower()
    return TUNNEL_PORTS.get(proto, TUNNEL_PORTS["geneve"])


def _host_allows(rules: list[dict[str, Any]], port: str, proto: str) -> bool:
    for ir in rules:
        ents = ir.get("fromEntities")
        others = [k for k in L3_KINDS["ingress"] if k != "fromEntities" and ir.get(k) is not None]
        if others:
            src_ok = True  # CIDR/endpoint sources: cannot tell, assume the nodes are included
        elif isinstance(ents, list):
            src_ok = any(e in OVERLAY_ENTITIES for e in ents)
        else:
            src_ok = True  # no L3 part: from everywhere
        if not src_ok:
            continue
        tp = ir.get("toPorts")
        if not tp:
            if ir.get("icmps") is None:
                return True
            continue
        for pr in _list(tp):
            for p in _list(_dict(pr).get("ports")):
                if not isinstance(p, dict):
                    continue
                pp, pproto = str(p.get("port")), str(p.get("protocol") or "ANY").upper()
                end = p.get("endPort")
                in_range = pp == port or pp == "0" or (_port_num(pp) is not None and isinstance(end, int)
                                                       and _port_num(pp) <= int(port) <= end)
                if in_range and pproto in (proto, "ANY"):
                    return True
    return False


@rule(id="EKSA606", reports_on=("CiliumClusterwideNetworkPolicy",), name="host-policy-blocks-overlay", severity=ERROR, tags=("policy", "cilium"),
      summary="A host policy restricts node ingress without allowing the Cilium tunnel and health checks.")
def host_policy_blocks_overlay(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    For CiliumClusterwideNetworkPolicies with `nodeSelector` (host policies) that restrict node ingress,
    checks that together they allow the overlay tunnel (UDP 6081 GENEVE, the EKS-A default; UDP 8472 when
    helmValues `tunnelProtocol: vxlan`; none with `routingMode: native`/direct) and Cilium health
    (TCP 4240) from `remote-node`/`health` (or `cluster`/`all`).

    ## Why is this bad?
    The reference doc says UDP 6081 MUST be allowed between nodes: without it pod traffic across nodes is
    dropped; without 4240 the agents report their peers unreachable. ICMP echo is recommended as well.

    ## Example
    ```yaml
    kind: CiliumClusterwideNetworkPolicy
    spec:
      nodeSelector: {}
      ingress:
        - fromEntities: [world]
          toPorts: [{ports: [{port: "22", protocol: TCP}]}]
    ```

    ## Use instead
    ```yaml
    kind: CiliumClusterwideNetworkPolicy
    spec:
      nodeSelector: {}
      ingress:
        - fromEntities: [world]
          toPorts: [{ports: [{port: "22", protocol: TCP}]}]
        - fromEntities: [remote-node, health]
          toPorts: [{ports: [{port: "6081", protocol: UDP}, {port: "4240", protocol: TCP}]}]
        - fromEntities: [remote-node, health]
          icmps: [{fields: [{type: 8, family: IPv4}]}]
    ```

    ## Source
    ../shared/reference/eksa-networking-docs.txt (GENEVE UDP 6081 MUST be allowed; ICMP and TCP 4240);
    aws/eks-anywhere `pkg/networking/cilium` templates (tunnel GENEVE); cilium/cilium
    `Documentation/operations/system_requirements.rst` (8472/udp VXLAN, 6081/udp Geneve, 4240/tcp health).
    """
    groups: dict[int, list[tuple[Obj, tuple[Any, ...], dict[str, Any]]]] = {}
    clusters: dict[int, Any] = {}
    for o in repo.namespaced("cilium_policies", None):  # the clusterwide ones
        if o.kind != "CiliumClusterwideNetworkPolicy":
            continue
        c = repo.cluster_for(o)
        for path, r in policy_specs(o):
            if r.get("nodeSelector") is not None and isinstance(r.get("ingress"), list):
                groups.setdefault(id(c), []).append((o, path, r))
                clusters[id(c)] = c
    for key, items in groups.items():
        rules = [ir for _, _, r in items for ir in r["ingress"] if isinstance(ir, dict)]
        needed = []
        tunnel = _tunnel_port(clusters[key])
        if tunnel is not None:
            needed.append((tunnel, "UDP"))
        needed.append((HEALTH_PORT, "TCP"))
        missing = [f"{proto} {port}" for port, proto in needed if not _host_allows(rules, port, proto)]
        if not missing:
            continue
        for o, path, _ in items:
            yield o.violation(path + ("ingress",), f"host policy restricts node ingress but no host policy "
                              f"allows {', '.join(missing)} from remote-node/health; add an ingress rule "
                              "`fromEntities: [remote-node, health]` with those ports (and ICMP echo)")


@rule(id="EKSA607", reports_on=("Cluster",), name="enforcement-always-without-policies", severity=WARNING, tags=("policy", "cilium"),
      summary="policyEnforcementMode always with namespaces that have workloads but no policy.")
def enforcement_always_without_policies(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    When a Cluster sets `cniConfig.cilium.policyEnforcementMode: always`, lists the non-system namespaces
    that have workloads in the repo but no NetworkPolicy or CiliumNetworkPolicy (and no clusterwide
    policy exists that could select them).

    ## Why is this bad?
    In `always` mode every endpoint is in default deny: pods with no policy allowing their traffic cannot
    talk to anything. EKS-A adds allow policies for its own system namespaces only.

    ## Example
    ```yaml
    clusterNetwork:
      cniConfig:
        cilium:
          policyEnforcementMode: always
    # ...and a Deployment in namespace shop with no policy
    ```

    ## Use instead
    ```yaml
    # keep `always` and add a NetworkPolicy for namespace shop, or use the default mode
    ```

    ## Source
    aws/eks-anywhere `pkg/api/v1alpha1/cluster_types.go` (CiliumConfig.PolicyEnforcementMode) and
    `pkg/networking/cilium/templater.go` / testdata (allow-all policies for system namespaces when
    mode is always); cilium/cilium `Documentation/security/policy/intro.rst` (always mode).
    """
    # findings are on reported Clusters in `always` mode; the repo's policies are read only for them
    always = [c for c in repo.subjects.clusters if _dict(c.cilium).get("policyEnforcementMode") == "always"]
    if not always:
        return
    if any(group == CILIUM_GROUP for _, group, _, _ in repo.identities("CiliumClusterwideNetworkPolicy")):
        return  # a clusterwide policy may allow them: cannot tell
    covered = {ns or "default" for kind in ("NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")
               for _, group, ns, _ in repo.identities(kind)
               if group == ("networking.k8s.io" if kind == "NetworkPolicy" else CILIUM_GROUP)}
    for c in always:
        bare = sorted({w.namespace or "default" for w in repo.workloads
                       if repo.cluster_for(w.obj) is not None and repo.cluster_for(w.obj).obj is c.obj}
                      - covered)
        bare = [ns for ns in bare if not _is_system(ns)]
        if bare:
            yield c.obj.violation(c.CILIUM_PATH + ("policyEnforcementMode",),
                                  f"policyEnforcementMode always denies all traffic of namespaces with no policy: "
                                  f"{', '.join(bare)}; add policies for them or use the default mode",
                                  at="value")
