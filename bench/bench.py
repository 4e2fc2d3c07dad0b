"""Benchmark: a synthetic repo of N manifests; times (a) read + yaml.load_all(CSafeLoader), (b) `eksa-lint check`
(SARIF to a file), (b2) the same with --jobs 2, (c) a one-file pre-commit run (warm context cache, and with
--no-cache) vs a bare yaml parse. Best of N."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One "app" per group of files: its NetworkPolicy, CiliumNetworkPolicy, NAD and Deployment refer to each other, as
# in a working GitOps repo; one folder per cluster. MISTAKE_EVERY-th group carries deliberate mistakes (a selector
# typo, a NAD on an interface the hosts lack), so about 1% of the files have findings.
NP = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: np-{i}, namespace: ns{n}}}
spec:
  podSelector: {{matchLabels: {{app: {sel}}}}}
  policyTypes: [Ingress]
  ingress:
  - from: [{{podSelector: {{matchLabels: {{app: app{g}}}}}}}]
    ports: [{{protocol: TCP, port: 8080}}]
"""
CNP = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {{name: cnp-{i}, namespace: ns{n}}}
spec:
  endpointSelector: {{matchLabels: {{app: app{g}}}}}
  egress:
  - toEndpoints: [{{matchLabels: {{app: app{g}}}}}]
    toPorts: [{{ports: [{{port: "8080", protocol: TCP}}]}}]
"""
NAD = """apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {{name: nad-{i}, namespace: ns{n}}}
spec:
  config: '{{
    "cniVersion": "0.3.1",
    "type": "macvlan",
    "master": "{master}",
    "mode": "bridge",
    "ipam": {{"type": "whereabouts", "range": "10.{a}.{b}.0/24"}}
  }}'
"""
DEP = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: app{i}, namespace: ns{n}}}
spec:
  selector: {{matchLabels: {{app: app{g}}}}}
  template:
    metadata:
      labels: {{app: app{g}}}
      annotations: {{k8s.v1.cni.cncf.io/networks: nad-{nad}}}
    spec:
      containers: [{{name: c, image: nginx}}]
"""
CLUSTER = """apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {{name: {name}}}
spec:
  kubernetesVersion: "1.31"
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 1
    endpoint: {{host: 172.16.{c}.10}}
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: {name}-cp}}
  datacenterRef: {{kind: TinkerbellDatacenterConfig, name: {name}}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellDatacenterConfig
metadata: {{name: {name}}}
spec: {{tinkerbellIP: 172.16.{c}.20}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: {name}-cp}}
spec:
  hardwareSelector: {{type: cp}}
  osFamily: ubuntu
  templateRef: {{}}
"""
GROUP = [NP, CNP, NAD, DEP, NP, CNP, NAD, DEP]
CLUSTERS = 20
MISTAKE_EVERY = 13


def generate(root: Path, n: int) -> list[Path]:
    """n manifests (the clusters' files included), a hardware CSV, committed to a new git repo."""
    files = []
    for c in range(CLUSTERS):
        p = root / "clusters" / f"c{c}" / "cluster.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(CLUSTER.format(name=f"c{c}", c=c))
        files.append(p)
    for i in range(n - CLUSTERS):
        k = i % len(GROUP)
        g = i // len(GROUP)
        bad = g % MISTAKE_EVERY == 0
        first_nad = g * len(GROUP) + GROUP.index(NAD)
        p = root / "clusters" / f"c{g % CLUSTERS}" / f"ns{g % 50}" / f"m{i}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(GROUP[k].format(i=i, g=g, n=g % 50, a=i // 256 % 256, b=i % 256, nad=first_nad,
                                     sel=f"ap{g}" if bad and k == 0 else f"app{g}",
                                     master="eth9" if bad and k == 2 else "eth1"))
        files.append(p)
    (root / ".eksa-lint.yaml").write_text("hosts: {interfaces: [eth0, eth1], primary-interface: eth0}\n")
    (root / "hardware.csv").write_text("hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"
                                       + "".join(f"h{i},00:00:00:00:{i // 256:02x}:{i % 256:02x},172.17.{i // 256}.{i % 256},"
                                                 f"255.255.0.0,172.17.0.1,8.8.8.8,type=cp,/dev/sda\n" for i in range(100)))
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "-c", "user.email=b@b", "-c", "user.name=b",
                                                             "commit", "-qm", "bench"]):
        subprocess.run(cmd, cwd=root, check=True)
    return files


def best(fn, runs: int) -> float:
    return interleaved([fn], runs)[0]


def interleaved(fns: list, runs: int) -> list[float]:
    """Best time of each function over `runs` rounds, each round running every function once: on a shared
    machine a slow spell then hits all sides of a ratio alike instead of one of them."""
    out = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            out[i] = min(out[i], time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--one-file-only", action="store_true", help="only the one-file rows (c0, c)")
    ap.add_argument("--keep", metavar="DIR", help="generate the repo in DIR (new) and keep it")
    args = ap.parse_args()
    if args.keep:
        tmp = Path(args.keep)
        tmp.mkdir(parents=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="eksa-bench-"))
    # Users get compiled bytecode (pip writes .pyc at install); a shell with PYTHONDONTWRITEBYTECODE would make
    # every run compile eksa-lint's sources again and measure that instead.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    try:
        files = generate(tmp, args.n)
        exe = shutil.which("eksa-lint", path=os.path.dirname(sys.executable)) or shutil.which("eksa-lint")
        if exe is None:
            sys.exit("eksa-lint is not installed in this environment")

        listing = tmp / ".bench-files"
        listing.write_text("\n".join(str(f) for f in files))

        def parse_all(gc_off: bool = False) -> None:
            # in a new process, like (b): read every file and yaml.load_all it with libyaml's CSafeLoader
            code = ("import gc, sys, yaml\n" + ("gc.disable()\n" if gc_off else "")
                    + "for p in open(sys.argv[1]).read().split('\\n'):\n"
                    + "    list(yaml.load_all(open(p, 'rb').read(), Loader=yaml.CSafeLoader))\n")
            subprocess.run([sys.executable, "-c", code, str(listing)], check=True, env=env)

        def lint(*extra: str) -> None:
            cmd = [exe, "check", ".", "--format", "sarif", "-o", str(tmp / "out.sarif"), *extra]
            subprocess.run(cmd, cwd=tmp, check=False, capture_output=True, env=env)

        def pick(kind: str) -> Path:
            return next(f for f in files if f"kind: {kind}" in f.read_text())

        changed = {k: pick(k) for k in ("NetworkPolicy", "NetworkAttachmentDefinition", "Cluster")}
        for f in changed.values():  # the pre-commit case: one file changed since the last run
            f.write_text(f.read_text() + "# changed\n")
        lint()  # warm-up: bytecode, file system cache
        rows = []
        if not args.one_file_only:
            names = ["a  read + CSafeLoader load_all", "a' the same with the GC off",
                     "b  eksa-lint check (1 process)", "b2 eksa-lint check --jobs 2"]
            times = interleaved([parse_all, lambda: parse_all(True), lambda: lint(), lambda: lint("--jobs", "2")],
                                args.runs)
            rows = [(name, sec, times[0]) for name, sec in zip(names, times)]  # (row, seconds, its baseline)
        one = changed["NetworkPolicy"]

        def bare_parse() -> None:
            subprocess.run([sys.executable, "-c",
                            f"import yaml; yaml.load(open({str(one)!r}), Loader=yaml.CSafeLoader)"],
                           check=True, env=env)

        def one_file(path: Path, *extra: str) -> None:
            # the pre-commit hook's entry (.pre-commit-hooks.yaml): `eksa-lint check --base HEAD FILES`
            subprocess.run([exe, "check", "--base", "HEAD", str(path.relative_to(tmp)), *extra], cwd=tmp, check=False,
                           capture_output=True, env=env)

        for path in changed.values():
            one_file(path)  # the first run after a change to the repo refreshes the context cache
        # The repo was written and committed within a second or two, so git's index holds "racily clean" entries
        # (a file's mtime not older than the index): each `git diff-files` hashes those files again, 5-30 ms
        # here depending on how many fell into the index's second. A hook never sees that state: `git add` and
        # `git commit` rewrite the index before the hook runs, and a checkout older than a second then has no
        # racy entry. Refresh the index the same way, once the racy window has passed.
        time.sleep(1.5)
        subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=tmp, check=False, env=env)
        names = ["c0 bare python + yaml, one file"] + [f"c  one {k} (warm cache)" for k in changed] + [
            "c  one NetworkPolicy --no-cache"]
        fns = [bare_parse] + [lambda p=p: one_file(p) for p in changed.values()] + [
            lambda: one_file(one, "--no-cache")]
        times = interleaved(fns, args.runs)
        rows += [(name, sec, times[0]) for name, sec in zip(names, times)]
        print(f"{args.n} files; best of {args.runs}; Python {sys.version.split()[0]}; {sys.prefix}")
        print(f"{'run':40} {'seconds':>8} {'ratio':>8}")
        for name, sec, base in rows:
            print(f"{name:40} {sec:8.3f} {sec / base:8.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
