"""Our schemas and the upstream CRDs (converted with the same converter, strict) agree on every corpus document.

Upstream CRDs: ../shared/corpus/crds (EKS-A from aws__eks-anywhere, Cilium CNP/CCNP from cilium v1.17.0-rc.1,
NAD from network-attachment-definition-client). NetworkPolicy is built in (no CRD): every corpus NetworkPolicy
must pass our schema.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from eksa_lint.schema import compile_schema, crd_schemas_from_data, errors

CRDS = (
    "crds/aws__eks-anywhere/config/crd/bases/anywhere.eks.amazonaws.com_clusters.yaml",
    "crds/noironetworks__cilium-net@v1.17.0-rc.1/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml",
    "crds/noironetworks__cilium-net@v1.17.0-rc.1/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumclusterwidenetworkpolicies.yaml",
    "crds/k8snetworkplumbingwg__network-attachment-definition-client/artifacts/networks-crd.yaml",
    *(f"crds/aws__eks-anywhere/config/crd/bases/anywhere.eks.amazonaws.com_{k}.yaml" for k in (
        "tinkerbelldatacenterconfigs", "tinkerbellmachineconfigs", "vspheredatacenterconfigs",
        "vspheremachineconfigs", "dockerdatacenterconfigs")),
)
OURS = {
    ("anywhere.eks.amazonaws.com", "Cluster"): "cluster",
    ("cilium.io", "CiliumNetworkPolicy"): "ciliumnetworkpolicy",
    ("cilium.io", "CiliumClusterwideNetworkPolicy"): "ciliumnetworkpolicy",
    ("k8s.cni.cncf.io", "NetworkAttachmentDefinition"): "nad",
    **{("anywhere.eks.amazonaws.com", k): k.lower() for k in (
        "TinkerbellDatacenterConfig", "TinkerbellMachineConfig", "VSphereDatacenterConfig", "VSphereMachineConfig",
        "DockerDatacenterConfig")},
}
# Principled differences, by reason (not by file):
# - EKS-A normalises an unquoted `kubernetesVersion: 1.30` (a YAML float) to the string "1.30" before decoding
#   (the CRD says string), so the upstream verdict is taken on the normalised document.


def _eksa_normalised(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec")
    if doc.get("kind") != "Cluster" or not isinstance(spec, dict):
        return doc
    doc = copy.deepcopy(doc)
    spec = doc["spec"]
    if isinstance(spec.get("kubernetesVersion"), (int, float)):
        spec["kubernetesVersion"] = str(spec["kubernetesVersion"])
    for wng in spec.get("workerNodeGroupConfigurations") or []:
        if isinstance(wng, dict) and isinstance(wng.get("kubernetesVersion"), (int, float)):
            wng["kubernetesVersion"] = str(wng["kubernetesVersion"])
    return doc


def _documents(corpus: Path):
    for f in sorted(corpus.rglob("*")):
        rel = f.relative_to(corpus).as_posix()
        if rel.startswith("crds/") or not f.is_file() or f.suffix not in (".yaml", ".yml", ".json"):
            continue
        try:
            docs = list(yaml.safe_load_all(f.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # the known-invalid files of SOURCES.md that fail to parse (the loader reports them)
        for i, d in enumerate(docs):
            if isinstance(d, dict) and isinstance(d.get("apiVersion"), str) and "/" in d["apiVersion"]:
                yield rel, i, d


def test_schemas_agree_with_upstream_crds(shared: Path) -> None:
    corpus = shared / "corpus"
    upstream = {}
    for rel in CRDS:
        for c in crd_schemas_from_data(yaml.safe_load((corpus / rel).read_text(encoding="utf-8")), rel):
            upstream[(c.group, c.kind, c.version)] = c
    checked, differ = 0, []
    for rel, i, doc in _documents(corpus):
        group, version = doc["apiVersion"].split("/", 1)
        name = OURS.get((group, doc.get("kind")))
        if name is None:
            continue
        crd = upstream.get((group, doc.get("kind"), version))
        assert crd is not None, f"{rel}#{i}: no upstream CRD for {doc['apiVersion']} {doc.get('kind')}"
        ours = errors(name, doc)
        theirs = compile_schema(("upstream", crd.kind, crd.version), crd.schema).is_valid(_eksa_normalised(doc))
        checked += 1
        if (not ours) != theirs:
            differ.append(f"{rel}#{i}: ours={[p.message for p in ours][:2]} upstream_valid={theirs}")
    assert checked > 300  # the corpus has ~420 such documents; guard against a silently empty run
    assert differ == []


def test_corpus_network_policies_pass(shared: Path) -> None:
    bad = [
        (rel, i, [p.message for p in errors("networkpolicy", doc)])
        for rel, i, doc in _documents(shared / "corpus")
        if doc.get("kind") == "NetworkPolicy" and doc["apiVersion"] == "networking.k8s.io/v1"
        and errors("networkpolicy", doc)
    ]
    assert bad == []


@pytest.mark.parametrize("doc", [
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "a"},
     "spec": {"endpointSelector": {"matchExpressions": [{"key": "a", "operator": "in"}]}}},
    {"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster", "metadata": {"name": "a"},
     "spec": {"controlPlaneConfiguration": {"upgradeRolloutStrategy": {"rollingUpdate": {"maxSurge": 1,
                                                                                          "maxUnavailable": 1}}}}},
])
def test_known_corpus_mistakes_are_flagged(doc: dict[str, Any]) -> None:
    name = OURS[(doc["apiVersion"].split("/")[0], doc["kind"])]
    assert errors(name, doc)
