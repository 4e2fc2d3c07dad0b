"""Runbooks linted too (--include-docs): YAML in Markdown fences and kubectl heredocs, at their real lines."""

from __future__ import annotations

from pathlib import Path

from eksa_lint.config import Settings
from eksa_lint.load.docs_extract import extract_blocks

from tests.conftest import run_texts, where

# Modelled on the EKS-A networking docs (../shared/reference/eksa-networking-docs.txt): a cluster snippet in
# a yaml fence, the NAD in a `cat <<EOF | kubectl create -f -` heredoc with a quoted multi-line config, and
# a pod in an indented heredoc inside a list item.
RUNBOOK = '''\
# Multus on bare metal

1. Set skipUpgrade:

   ```yaml
   apiVersion: anywhere.eks.amazonaws.com/v1alpha1
   kind: Cluster
   metadata:
     name: eks-anywhere
     name: eks-anywhere-2
   spec:
     clusterNetwork:
       cniConfig:
         cilium:
           skipUpgrade: true
   ```

2. Create the NAD:

```bash
cat <<EOF | kubectl create -f -
apiVersion: "k8s.cni.cncf.io/v1"
kind: NetworkAttachmentDefinition
metadata:
  name: ipvlan-conf
spec:
  config: '{
      "cniVersion": "0.3.0",
      "type": "ipvlan",
      "master": "eth1",
      "mode": "l3"
  }'
EOF
```

3. Run a pod:

   ```sh
   cat <<EOF | kubectl apply -f -
   apiVersion: v1
   kind: Pod
   metadata:
     name: app1
     annotations:
       k8s.v1.cni.cncf.io/networks: ipvlan-conf
     labels: {app: a, app: b}
   spec:
     containers:
       - name: app1
         image: alpine
   EOF
   ```

```bash
cat <<EOF > not-applied.yaml
kind: Secret
metadata: {name: x, name: y}
EOF
```
'''


def test_blocks_are_found_at_their_lines() -> None:
    assert extract_blocks(RUNBOOK, "markdown") == [(5, 14), (21, 31), (39, 49)]


def test_findings_point_into_the_markdown_file() -> None:
    res = run_texts({"runbooks/multus.md": RUNBOOK}, Settings(docs=True))
    got = where(res.findings, "EKSA002")
    # the duplicate `name` in the yaml fence (line 10) and the duplicate label in the indented heredoc;
    # the heredoc written to a file is not applied, so it is not linted
    assert got == [("EKSA002", "runbooks/multus.md", 10, 6), ("EKSA002", "runbooks/multus.md", 46, 23)]


def test_position_inside_the_nad_config_of_a_heredoc() -> None:
    from eksa_lint.engine import resolve

    res = run_texts({"runbooks/multus.md": RUNBOOK}, Settings(docs=True))
    nad = res.repo.nads[0]
    loc = resolve(nad.obj.ref(("spec", "config", "master")))
    assert (loc.line, loc.col) == (30, 7)


def test_docs_are_not_linted_by_default() -> None:
    res = run_texts({"runbooks/multus.md": RUNBOOK})
    assert res.findings == [] and res.repo.objects == ()


def test_shell_script_heredoc(tmp_path: Path) -> None:
    script = "#!/bin/sh\nset -e\nkubectl apply -f - <<'YAML'\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\nYAML\n"
    res = run_texts({"deploy.sh": script}, Settings(docs=True))
    assert where(res.findings, "EKSA002") == [("EKSA002", "deploy.sh", 8, 3)]
