"""Kubernetes label-selector matching in one place: matchLabels + matchExpressions
(In/NotIn/Exists/DoesNotExist), and Cilium endpointSelectors (`k8s:`/`any:` prefixes and the
`io.kubernetes.pod.namespace` label). Bad input never raises: an unreadable selector matches nothing
(`None` from `matches` means "cannot tell")."""

from __future__ import annotations

from typing import Any

NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
SERVICEACCOUNT_LABEL = "io.cilium.k8s.policy.serviceaccount"
DERIVED_PREFIX = "io.cilium.k8s."  # labels Cilium derives (namespace labels, cluster, service account)
SOURCE_PREFIXES = ("k8s:", "any:")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def strip_source(key: str) -> str:
    """`k8s:app` -> `app`; `any:app` -> `app`; other sources (`reserved:`, `cidr:`) are kept."""
    for p in SOURCE_PREFIXES:
        if key.startswith(p):
            return key[len(p):]
    return key


def selects_all(selector: Any) -> bool:
    """`{}` (or a selector with empty matchLabels and matchExpressions) selects everything."""
    if not isinstance(selector, dict):
        return False
    ml, me = selector.get("matchLabels"), selector.get("matchExpressions")
    others = set(selector) - {"matchLabels", "matchExpressions"}
    return not others and not ml and not me


def matches(selector: Any, labels: dict[str, Any], *, cilium: bool = False) -> bool | None:
    """Whether `selector` matches `labels`; None when the selector cannot be read.

    With `cilium=True`, keys lose their `k8s:`/`any:` prefix and a `reserved:`/other-source key never
    matches a pod's labels.
    """
    if not isinstance(selector, dict):
        return None
    labels = {str(k): str(v) for k, v in (labels or {}).items()} if isinstance(labels, dict) else {}

    def key_of(k: Any) -> str | None:
        k = str(k)
        if cilium:
            k = strip_source(k)
            if ":" in k.split("/")[0] and not k.startswith(NAMESPACE_LABEL):
                return None  # reserved:..., cidr:... never match pod labels
        return k

    ml = selector.get("matchLabels") or {}
    if not isinstance(ml, dict):
        return None
    if cilium:
        keys = [key_of(k) for k in ml] + [key_of(e.get("key")) for e in _expressions(selector)]
        if any(k and k.startswith(DERIVED_PREFIX) and k not in labels for k in keys):
            return None  # a label Cilium derives that we do not know: cannot tell
    for k, v in ml.items():
        key = key_of(k)
        if key is None or labels.get(key) != ("" if v is None else str(v)):
            return False
    me = selector.get("matchExpressions") or []
    if not isinstance(me, list):
        return None
    for e in me:
        if not isinstance(e, dict) or not isinstance(e.get("key"), str):
            return None
        key = key_of(e["key"])
        if key is None:
            return False
        op = e.get("operator")
        vals = e.get("values") or []
        if not isinstance(vals, list):
            return None
        vals = [str(v) for v in vals]
        if op == "In":
            if labels.get(key) not in vals:
                return False
        elif op == "NotIn":
            if key in labels and labels[key] in vals:
                return False
        elif op == "Exists":
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if key in labels:
                return False
        else:
            return None
    return True


def endpoint_matches(selector: Any, labels: dict[str, Any], namespace: str) -> bool | None:
    """A Cilium endpointSelector against a pod in `namespace` (the namespace is a label
    `io.kubernetes.pod.namespace`)."""
    full = dict(labels) if isinstance(labels, dict) else {}
    full[NAMESPACE_LABEL] = namespace
    return matches(selector, full, cilium=True)


def selector_namespace(selector: Any) -> str | None:
    """The namespace an endpointSelector pins with `io.kubernetes.pod.namespace`, if any."""
    if isinstance(selector, dict) and isinstance(selector.get("matchLabels"), dict):
        for k, v in selector["matchLabels"].items():
            if strip_source(str(k)) == NAMESPACE_LABEL:
                return str(v)
    return None


def _expressions(selector: dict[str, Any]) -> list[dict[str, Any]]:
    me = selector.get("matchExpressions")
    return [e for e in me if isinstance(e, dict)] if isinstance(me, list) else []


class PodLabels:
    """The pod label sets of some workloads, with an index by (key, value): `candidates` returns only the
    pods a selector's matchLabels do not already rule out, so matching one policy does not walk every pod."""

    def __init__(self, pods: list[dict[str, Any]]) -> None:
        self.pods = pods
        self._pairs: dict[tuple[str, str], list[dict[str, Any]]] | None = None

    def __len__(self) -> int:
        return len(self.pods)

    def _index(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        if self._pairs is None:
            self._pairs = {}
            for labels in self.pods:
                if isinstance(labels, dict):
                    for k, v in labels.items():
                        self._pairs.setdefault((str(k), str(v)), []).append(labels)
        return self._pairs

    def candidates(self, selector: Any, cilium: bool = False) -> list[dict[str, Any]]:
        """Pods for which `matches(selector, pod)` may be other than False (every other pod gives False)."""
        ml = selector.get("matchLabels") if isinstance(selector, dict) else None
        if not isinstance(ml, dict) or not ml:
            return self.pods
        if cilium and any(strip_source(str(k)).startswith(DERIVED_PREFIX)
                          for k in [*ml, *(e.get("key") for e in _expressions(selector))]):
            return self.pods  # `matches` may answer "cannot tell" for these
        for k, v in ml.items():
            key = strip_source(str(k)) if cilium else str(k)
            if cilium and key.startswith(NAMESPACE_LABEL):
                continue  # the namespace label is added per pod by endpoint_matches
            if cilium and ":" in key.split("/")[0]:
                return []  # reserved:/cidr: keys never match pod labels
            return self._index().get((key, "" if v is None else str(v)), [])
        return self.pods
