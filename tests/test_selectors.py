from __future__ import annotations

from eksa_lint.selectors import endpoint_matches, matches, selects_all, strip_source


def test_match_labels_and_expressions():
    labels = {"app": "web", "tier": "front"}
    assert matches({"matchLabels": {"app": "web"}}, labels) is True
    assert matches({"matchLabels": {"app": "db"}}, labels) is False
    assert matches({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "x"]}]}, labels)
    assert matches({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, labels) is False
    assert matches({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, labels) is True
    assert matches({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, labels) is True
    assert matches({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, labels) is False
    assert matches({}, labels) is True


def test_bad_input_never_raises():
    assert matches("app=web", {"app": "web"}) is None
    assert matches({"matchLabels": ["a"]}, {}) is None
    assert matches({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}, {}) is None
    assert matches({"matchExpressions": [1, 2]}, {}) is None
    assert selects_all({}) is True and selects_all({"matchLabels": {}}) is True
    assert selects_all({"matchLabels": {"a": "b"}}) is False and selects_all(None) is False


def test_cilium_prefixes_and_namespace():
    assert strip_source("k8s:app") == "app" and strip_source("reserved:host") == "reserved:host"
    sel = {"matchLabels": {"k8s:app": "web", "k8s:io.kubernetes.pod.namespace": "prod"}}
    assert endpoint_matches(sel, {"app": "web"}, "prod") is True
    assert endpoint_matches(sel, {"app": "web"}, "dev") is False
    assert endpoint_matches({"matchLabels": {"reserved:host": ""}}, {"reserved:host": ""}, "x") is False


def test_pod_index_never_drops_a_pod_that_may_match():
    """PodLabels.candidates is only a shortcut: every pod it leaves out must give False from the full match,
    for plain and Cilium selectors, prefixed keys, derived labels, odd values and wrong types."""
    import itertools
    import random

    from eksa_lint.selectors import NAMESPACE_LABEL, PodLabels, endpoint_matches, matches

    rnd = random.Random(7)
    keys = ["app", "tier", "k8s:app", "any:tier", "reserved:host", f"k8s:{NAMESPACE_LABEL}",
            "io.cilium.k8s.policy.serviceaccount", 3]
    values = ["a", "b", None, 1, True, "ns1"]
    pods = [{k: rnd.choice(values) for k in rnd.sample(["app", "tier", "zone", "1"], rnd.randint(0, 3))}
            for _ in range(40)] + [{}, {"app": "a", "tier": "b"}]
    index = PodLabels(pods)
    selectors: list = [None, 5, {}, {"matchLabels": "x"}, {"matchLabels": {}}, {"matchExpressions": 7}]
    for n in (1, 2):
        for ks in itertools.combinations(keys, n):
            for vs in itertools.product(values[:4], repeat=n):
                sel = {"matchLabels": dict(zip(ks, vs))}
                selectors.append(sel)
                selectors.append({**sel, "matchExpressions": [{"key": "tier", "operator": "Exists"}]})
    assert len(selectors) > 200
    for sel in selectors:
        for cilium in (False, True):
            kept = {id(p) for p in index.candidates(sel, cilium=cilium)}
            for p in pods:
                if id(p) in kept:
                    continue
                got = endpoint_matches(sel, p, "ns1") if cilium else matches(sel, p)
                assert got is False, (sel, p, cilium, got)
    # and it does narrow: one plain pair keeps only the pods that have it
    assert index.candidates({"matchLabels": {"app": "a"}}) == [p for p in pods if p.get("app") == "a"]
