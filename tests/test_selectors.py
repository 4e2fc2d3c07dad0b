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
