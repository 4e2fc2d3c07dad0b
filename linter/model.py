"""The repo model: every loaded object, indexed by kind, namespace and name, with typed views for the rules.

Rules read this model and yield `Violation`s that point at a node path; they never open files or call a YAML
library. The model is built once per run and shared by every rule; treat everything in it as read-only.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eksa_lint.findings import Fix, NodePath, ObjectId, Severity
from eksa_lint.load.source import CsvRow, Document, SourceFile
from eksa_lint.record import FrozenRecord

if TYPE_CHECKING:
    from eksa_lint.config import Settings

EKSA_GROUP = "anywhere.eks.amazonaws.com"
CILIUM_GROUP = "cilium.io"
NAD_GROUP = "k8s.cni.cncf.io"
CAPI_GROUP = "cluster.x-k8s.io"

# Kinds that have no namespace; everything else defaults to "default" when metadata.namespace is absent.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "IngressClass", "GatewayClass", "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration", "APIService", "CiliumClusterwideNetworkPolicy",
        "CiliumClusterwideEnvoyConfig", "CiliumEgressGatewayPolicy", "CiliumBGPPeeringPolicy",
        "CiliumBGPClusterConfig", "CiliumBGPPeerConfig", "CiliumBGPAdvertisement", "CiliumBGPNodeConfig",
        "CiliumBGPNodeConfigOverride", "CiliumLoadBalancerIPPool", "CiliumCIDRGroup", "CiliumNode",
        "CiliumIdentity", "CiliumExternalWorkload", "CiliumL2AnnouncementPolicy", "CiliumPodIPPool",
        "TracingPolicy", "ClusterIssuer",
    }
)  # fmt: skip

PROVIDERS = {
    "TinkerbellDatacenterConfig": "tinkerbell",
    "VSphereDatacenterConfig": "vsphere",
    "DockerDatacenterConfig": "docker",
    "CloudStackDatacenterConfig": "cloudstack",
    "NutanixDatacenterConfig": "nutanix",
    "SnowDatacenterConfig": "snow",
}

WORKLOAD_TEMPLATE_PATHS: dict[str, NodePath] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
WORKLOAD_KINDS = tuple(WORKLOAD_TEMPLATE_PATHS)  # for rules' `reports_on`
CILIUM_POLICY_KINDS = ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")
# The kinds and API group of the repo's typed views of plain objects (workloads have their own table).
_VIEW_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "network_policies": (("NetworkPolicy",), "networking.k8s.io"),
    "cilium_policies": (("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"), CILIUM_GROUP),
    "nads": (("NetworkAttachmentDefinition",), NAD_GROUP),
}

_MISSING = object()


def dig(data: Any, path: Iterable[Any], default: Any = None) -> Any:
    """Follow `path` through dicts and lists; `default` when any step is missing or of the wrong type."""
    cur = data
    for seg in path:
        if isinstance(cur, dict):
            cur = cur.get(seg, _MISSING)
        elif isinstance(cur, list) and isinstance(seg, int) and -len(cur) <= seg < len(cur):
            cur = cur[seg]
        else:
            return default
        if cur is _MISSING:
            return default
    return cur


def parse_version(text: Any) -> tuple[int, ...] | None:
    """'v0.24.1' -> (0, 24, 1); None when it does not look like a version."""
    if not isinstance(text, str):
        return None
    m = re.match(r"^v?([0-9]{1,18})\.([0-9]{1,18})(?:\.([0-9]{1,18}))?(?![0-9])", text.strip())
    if not m:
        return None
    return tuple(int(g) for g in m.groups(default="0"))


class Ref(FrozenRecord):
    """A place a finding points at: a node path in a document, or a line/column of a file's text."""

    _fields = ("file", "doc", "path", "at", "line", "col", "end_col")
    __slots__ = _fields

    def __init__(
        self,
        file: SourceFile,
        doc: Document | None = None,
        path: NodePath = (),
        at: str = "key",  # "key" or "value"
        line: int | None = None,
        col: int | None = None,
        end_col: int | None = None,
    ) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "doc", doc)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "col", col)
        object.__setattr__(self, "end_col", end_col)


class Violation(FrozenRecord):
    """What a rule yields: a message at a place. The engine adds the rule, severity and file:line:col."""

    _fields = ("ref", "message", "obj", "related", "fix", "severity")
    __slots__ = _fields

    def __init__(
        self,
        ref: Ref,
        message: str,
        obj: Obj | None = None,
        related: tuple[tuple[Ref, str], ...] = (),
        fix: Fix | None = None,
        # A rule whose checks differ in weight (e.g. a deprecation next to errors) may lower one finding's
        # severity; a configured per-rule severity still wins.
        severity: Severity | None = None,
    ) -> None:
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "obj", obj)
        object.__setattr__(self, "related", related)
        object.__setattr__(self, "fix", fix)
        object.__setattr__(self, "severity", severity)


def objects_in(d: Any) -> list[tuple[NodePath, dict[str, Any]]]:
    """The Kubernetes objects of one document's data: (node path under the document, object data); the items of
    a `kind: List`, or the document itself when it has apiVersion and kind."""
    if not isinstance(d, dict):
        return []
    if d.get("kind") == "List" and isinstance(d.get("items"), list):
        return [(("items", i), item) for i, item in enumerate(d["items"])
                if isinstance(item, dict) and "apiVersion" in item and "kind" in item]
    return [((), d)] if "apiVersion" in d and "kind" in d else []


_ANY: Any = object()  # no namespace filter


def _doc_order(o: Obj) -> tuple[str, int]:
    return o.doc.file.path, o.doc.index


def _object_order(o: Obj) -> tuple[str, int, NodePath]:
    return o.doc.file.path, o.doc.index, o.base


def _group_of(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


class Obj:
    """One Kubernetes object (a document, or an item of a `kind: List`)."""

    __slots__ = ("__dict__", "_data", "api_version", "base", "doc", "group", "kind", "name", "namespace")

    def __init__(self, doc: Document, data: dict[str, Any], base: NodePath = ()) -> None:
        self.doc = doc
        self.base = base
        self._data: dict[str, Any] | None = data
        av = data.get("apiVersion")
        self.api_version: str = av if isinstance(av, str) else ""
        self.group: str = _group_of(self.api_version)
        k = data.get("kind")
        self.kind: str = k if isinstance(k, str) else ""
        meta = data.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        n = meta.get("name")
        self.name: str | None = n if isinstance(n, str) else (str(n) if n is not None else None)
        ns = meta.get("namespace")
        self.namespace: str | None = ns if isinstance(ns, str) and ns else None

    @classmethod
    def lazy(cls, doc: Document, base: NodePath, api_version: str, kind: str, name: str | None,
             namespace: str | None) -> Obj:
        """An object of a cache-backed file: identity from the cache index, data only when first used."""
        o = cls.__new__(cls)
        o.doc, o.base, o._data = doc, base, None
        o.api_version, o.kind, o.name, o.namespace = api_version, kind, name, namespace
        o.group = _group_of(api_version)
        return o

    @property
    def data(self) -> dict[str, Any]:
        d = self._data
        if d is None:
            d = dig(self.doc.data, self.base)
            self._data = d = d if isinstance(d, dict) else {}
        return d

    def __repr__(self) -> str:
        return f"<{self.kind} {self.identity.display()} at {self.path}>"

    @property
    def version(self) -> str:
        return self.api_version.rsplit("/", 1)[-1]

    @property
    def file(self) -> SourceFile:
        return self.doc.file

    @property
    def path(self) -> str:
        """The repo-relative path of the file this object is in."""
        return self.doc.file.path

    @cached_property
    def folder(self) -> str:
        return os.path.dirname(self.doc.file.path)

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in CLUSTER_SCOPED_KINDS

    @property
    def effective_namespace(self) -> str | None:
        """metadata.namespace, else "default" for namespaced kinds, else None."""
        if self.cluster_scoped:
            return None
        return self.namespace or "default"

    @cached_property
    def identity(self) -> ObjectId:
        return ObjectId(self.api_version, self.kind, self.namespace, self.name)

    @property
    def metadata(self) -> dict[str, Any]:
        m = self.data.get("metadata")
        return m if isinstance(m, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        v = self.metadata.get("labels")
        return v if isinstance(v, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        v = self.metadata.get("annotations")
        return v if isinstance(v, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        v = self.data.get("spec")
        return v if isinstance(v, dict) else {}

    def get(self, *path: Any, default: Any = None) -> Any:
        """The value at `path` under this object, or `default`."""
        return dig(self.data, path, default)

    def has(self, *path: Any) -> bool:
        return dig(self.data, path, _MISSING) is not _MISSING

    def ref(self, path: NodePath = (), at: str = "key") -> Ref:
        return Ref(self.doc.file, self.doc, self.base + tuple(path), at)

    def violation(
        self,
        path: NodePath,
        message: str,
        *,
        at: str = "key",
        related: Iterable[tuple[Ref, str]] = (),
        fix: Fix | None = None,
    ) -> Violation:
        """A violation at `path` of this object (the key by default; `at="value"` for the value)."""
        return Violation(self.ref(tuple(path), at), message, self, tuple(related), fix)


class HostFacts(FrozenRecord):
    """What the config says about the cluster hosts' NICs."""

    _fields = ("interfaces", "primary_interface")
    __slots__ = _fields

    def __init__(self, interfaces: tuple[str, ...] | None = None, primary_interface: str = "eth0") -> None:
        object.__setattr__(self, "interfaces", interfaces)
        object.__setattr__(self, "primary_interface", primary_interface)


class CniPlugin(FrozenRecord):
    """One plugin object of a NAD's CNI config; `path` is its node path from the NAD's document root."""

    _fields = ("data", "path", "index")
    __slots__ = _fields

    def __init__(
        self,
        data: dict[str, Any],
        path: NodePath,
        index: int,  # position in `plugins` (0 for a single-plugin config)
    ) -> None:
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "index", index)

    @property
    def type(self) -> str | None:
        t = self.data.get("type")
        return t if isinstance(t, str) else None

    @property
    def ipam(self) -> dict[str, Any] | None:
        v = self.data.get("ipam")
        return v if isinstance(v, dict) else None

    @property
    def ipam_path(self) -> NodePath:
        return self.path + ("ipam",)


class Nad:
    """A NetworkAttachmentDefinition with its CNI config parsed (single plugin or conflist), when first asked."""

    CONFIG_PATH: NodePath = ("spec", "config")

    def __init__(self, obj: Obj) -> None:
        self.obj = obj

    def __repr__(self) -> str:
        return f"Nad({self.obj!r})"

    @cached_property
    def _parsed(self) -> tuple[str | None, dict[str, Any] | None, str | None]:
        text = self.obj.get("spec", "config")
        config, error = None, None
        if isinstance(text, str) and text.strip():
            try:
                parsed = json.loads(text)
            except ValueError as exc:
                error = str(exc)
            else:
                if isinstance(parsed, dict):
                    config = parsed
                else:
                    error = "the CNI config is not a JSON object"
        return (text if isinstance(text, str) else None), config, error

    @property
    def config_text(self) -> str | None:
        return self._parsed[0]

    @property
    def config(self) -> dict[str, Any] | None:
        """None when absent, empty or not a JSON object."""
        return self._parsed[1]

    @property
    def error(self) -> str | None:
        """Why the config did not parse."""
        return self._parsed[2]

    @property
    def is_conflist(self) -> bool:
        return isinstance(self.config, dict) and "plugins" in self.config

    @cached_property
    def plugins(self) -> tuple[CniPlugin, ...]:
        c = self.config
        if not isinstance(c, dict):
            return ()
        if "plugins" in c:
            ps = c.get("plugins")
            if not isinstance(ps, list):
                return ()
            return tuple(
                CniPlugin(p, self.CONFIG_PATH + ("plugins", i), i) for i, p in enumerate(ps) if isinstance(p, dict)
            )
        return (CniPlugin(c, self.CONFIG_PATH, 0),)

    @property
    def name(self) -> str | None:
        return self.obj.name

    @property
    def namespace(self) -> str:
        return self.obj.namespace or "default"


class Workload(FrozenRecord):
    """An object with a pod template (Pod, Deployment, ..., CronJob)."""

    _fields = ("obj", "template_path")
    __slots__ = (*_fields, "__dict__")

    def __init__(
        self,
        obj: Obj,
        template_path: NodePath,  # path of the pod template (the Pod itself for kind Pod)
    ) -> None:
        object.__setattr__(self, "obj", obj)
        object.__setattr__(self, "template_path", template_path)

    @cached_property
    def template(self) -> dict[str, Any]:
        t = self.obj.get(*self.template_path) if self.template_path else self.obj.data
        return t if isinstance(t, dict) else {}

    @property
    def pod_labels(self) -> dict[str, Any]:
        v = dig(self.template, ("metadata", "labels"))
        return v if isinstance(v, dict) else {}

    @property
    def pod_annotations(self) -> dict[str, Any]:
        v = dig(self.template, ("metadata", "annotations"))
        return v if isinstance(v, dict) else {}

    @property
    def annotations_path(self) -> NodePath:
        return self.template_path + ("metadata", "annotations")

    @property
    def pod_spec(self) -> dict[str, Any]:
        v = self.template.get("spec")
        return v if isinstance(v, dict) else {}

    @property
    def namespace(self) -> str:
        return self.obj.namespace or "default"

    @property
    def replicas(self) -> int | None:
        """Pods this template makes: 1 for a Pod, spec.replicas (default 1) for controllers, None when it
        depends on the nodes (DaemonSet) or on a schedule (CronJob) or parallelism (Job)."""
        kind = self.obj.kind
        if kind == "Pod":
            return 1
        if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
            r = self.obj.get("spec", "replicas", default=1)
            return r if isinstance(r, int) and not isinstance(r, bool) else None
        if kind == "Job":
            p = self.obj.get("spec", "parallelism", default=1)
            c = self.obj.get("spec", "completions", default=1)
            if p == 1 and c == 1:
                return 1
            return None
        return None


class HardwareRow(FrozenRecord):
    """A row of a Tinkerbell hardware CSV."""

    _fields = ("file", "row")
    __slots__ = _fields

    def __init__(self, file: SourceFile, row: CsvRow) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "row", row)

    def get(self, column: str) -> str:
        return self.row.values.get(column, "")

    def ref(self, column: str | None = None) -> Ref:
        col = self.row.columns.get(column, 1) if column else 1
        end = col + len(self.row.values.get(column, "")) if column else None
        line = self.row.line
        raw = self.row.raw
        if column and any(b in raw for b in ("\n", "\r", "\x85", "\u2028", "\u2029")):
            # a row over several lines (a quoted cell with a line break): columns are offsets into the row
            from eksa_lint.load.positions import LineIndex

            idx = LineIndex(raw)
            dl, col = idx.position(col - 1)
            end_line, end_col = idx.position((end or col) - 1)
            line += dl - 1
            end = end_col if end_line == dl else None
        return Ref(self.file, None, (), "value", line, col, end)

    def violation(self, column: str | None, message: str, related: Iterable[tuple[Ref, str]] = ()) -> Violation:
        return Violation(self.ref(column), message, None, tuple(related))


class EksaCluster:
    """An EKS-A `Cluster` with its provider, datacenter and machine configs resolved from the repo."""

    CILIUM_PATH: NodePath = ("spec", "clusterNetwork", "cniConfig", "cilium")

    def __init__(self, obj: Obj, repo: Repo) -> None:
        self.obj = obj
        self._repo = repo

    def __repr__(self) -> str:
        return f"<EksaCluster {self.name} at {self.obj.path}>"

    @property
    def name(self) -> str | None:
        return self.obj.name

    @property
    def spec(self) -> dict[str, Any]:
        return self.obj.spec

    @property
    def datacenter_kind(self) -> str | None:
        k = self.obj.get("spec", "datacenterRef", "kind")
        return k if isinstance(k, str) else None

    @property
    def provider(self) -> str | None:
        """tinkerbell, vsphere, docker, cloudstack, nutanix, snow; None when unknown."""
        return PROVIDERS.get(self.datacenter_kind or "")

    @cached_property
    def datacenter(self) -> Obj | None:
        name = self.obj.get("spec", "datacenterRef", "name")
        if not self.datacenter_kind or not isinstance(name, str):
            return None
        return self._repo.get(self.datacenter_kind, name, group=EKSA_GROUP)

    @cached_property
    def machine_configs(self) -> tuple[Obj, ...]:
        refs = [self.obj.get("spec", "controlPlaneConfiguration", "machineGroupRef")]
        refs.append(self.obj.get("spec", "externalEtcdConfiguration", "machineGroupRef"))
        workers = self.obj.get("spec", "workerNodeGroupConfigurations", default=[])
        if isinstance(workers, list):
            refs.extend(w.get("machineGroupRef") for w in workers if isinstance(w, dict))
        out: list[Obj] = []
        for r in refs:
            if isinstance(r, dict) and isinstance(r.get("kind"), str) and isinstance(r.get("name"), str):
                o = self._repo.get(r["kind"], r["name"], group=EKSA_GROUP)
                if o is not None and o not in out:
                    out.append(o)
        return tuple(out)

    @property
    def eksa_version(self) -> tuple[int, ...] | None:
        return parse_version(self.obj.get("spec", "eksaVersion"))

    @property
    def management_cluster_name(self) -> str | None:
        n = self.obj.get("spec", "managementCluster", "name")
        return n if isinstance(n, str) else None

    @property
    def is_workload_cluster(self) -> bool:
        m = self.management_cluster_name
        return bool(m) and m != self.name

    @property
    def cni_config(self) -> dict[str, Any] | None:
        v = self.obj.get("spec", "clusterNetwork", "cniConfig")
        return v if isinstance(v, dict) else None

    @property
    def cilium(self) -> dict[str, Any] | None:
        v = self.obj.get(*self.CILIUM_PATH)
        return v if isinstance(v, dict) else None

    @property
    def skip_upgrade(self) -> bool:
        return self.obj.get(*self.CILIUM_PATH, "skipUpgrade") is True

    def deepest_cilium_path(self) -> NodePath:
        """`cniConfig.cilium` if present, else `cniConfig`, else `clusterNetwork`, else `spec`."""
        for n in (4, 3, 2):
            p = self.CILIUM_PATH[:n]
            if self.obj.has(*p):
                return p
        return ("spec",)

    @property
    def pods_cidrs(self) -> list[Any]:
        v = self.obj.get("spec", "clusterNetwork", "pods", "cidrBlocks", default=[])
        return v if isinstance(v, list) else []

    @property
    def services_cidrs(self) -> list[Any]:
        v = self.obj.get("spec", "clusterNetwork", "services", "cidrBlocks", default=[])
        return v if isinstance(v, list) else []

    @property
    def endpoint_host(self) -> Any:
        return self.obj.get("spec", "controlPlaneConfiguration", "endpoint", "host")

    @property
    def tinkerbell_ip(self) -> Any:
        dc = self.datacenter
        return dc.get("spec", "tinkerbellIP") if dc is not None else None

    @property
    def worker_count(self) -> int | None:
        """Total worker nodes (sum of counts; autoscaling max when set); None when unknown."""
        workers = self.obj.get("spec", "workerNodeGroupConfigurations")
        if not isinstance(workers, list):
            return None
        total = 0
        for w in workers:
            if not isinstance(w, dict):
                return None
            auto = w.get("autoscalingConfiguration")
            c = auto.get("maxCount") if isinstance(auto, dict) else w.get("count")
            if not isinstance(c, int) or isinstance(c, bool):
                return None
            total += c
        return total

    @property
    def target(self) -> str:
        return self._repo.target_for(self)

    @property
    def hosts(self) -> HostFacts:
        return self._repo.hosts_for_cluster(self)


def _glob_match(path: str, patterns: Iterable[str]) -> bool:
    rx = _globs_regex(tuple(patterns))
    return rx.match(path) is not None or rx.match(os.path.basename(path)) is not None


def _longest_literal(pattern: str) -> str:
    """The longest run of a glob without wildcards: any path the glob matches (as a whole or by its file name)
    contains it."""
    best, run, i = "", [], 0
    while i < len(pattern):
        c = pattern[i]
        if c in "*?[":
            if c == "[":
                j = pattern.find("]", i + 2)
                i = len(pattern) if j < 0 else j
            best, run = max(best, "".join(run), key=len), []
        else:
            run.append(c)
        i += 1
    return max(best, "".join(run), key=len)


def _paths_matching(paths: list[str], patterns: tuple[str, ...]) -> list[str]:
    """The paths a glob matches (`_glob_match`). A one-file run asks this of every path of the repo: one scan
    of all paths for the globs' literal parts (C-level) picks the few candidates that are matched exactly."""
    literals = {_longest_literal(p) for p in patterns}
    if "" in literals or any("\n" in p for p in paths):
        return [p for p in paths if _glob_match(p, patterns)]
    joined = "\n".join(paths)
    found: set[str] = set()
    for lit in literals:  # str.find per literal: C-level searches, several times faster than one alternation regex
        at = joined.find(lit)
        while at >= 0:
            start = joined.rfind("\n", 0, at) + 1
            end = joined.find("\n", at + len(lit))
            end = end if end >= 0 else len(joined)
            found.add(joined[start:end])
            at = joined.find(lit, end)
    return [p for p in paths if p in found and _glob_match(p, patterns)]


@functools.lru_cache(maxsize=256)
def _globs_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled regex for a set of fnmatch globs (fnmatch.fnmatch per pattern and file was a hot spot)."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


class Repo:
    """The immutable repo model shared by every rule of a run."""

    def __init__(self, root: str, files: Iterable[SourceFile], settings: Settings, base: Any = None,
                 context: Any = None):
        self.root = root
        # the files parsed in this run (every reported file, and context files the cache did not hold)
        self.loaded: tuple[SourceFile, ...] = tuple(files)
        # the cache's view of the other context files (cache.ContextView), or None: their objects become Python
        # objects only when a rule asks for their kind
        self.context = context
        self.settings = settings
        # the same repo at --base REV, for change-aware rules: a Repo, or a function that reads it when first used
        self._base = base
        objs: list[Obj] = []
        for f in self.loaded:
            for doc in f.documents:
                objs.extend(Obj(doc, data, base) for base, data in objects_in(doc.data))
        self._loaded_objects = objs
        by_kind: dict[str, list[Obj]] = {}
        for o in objs:
            by_kind.setdefault(o.kind, []).append(o)
        self._loaded_by_kind = by_kind
        self._kinds: dict[str, tuple[Obj, ...]] = {}
        self._kinds_ns: dict[tuple[str, Any], tuple[Obj, ...]] = {}
        self._views_ns: dict[tuple[str, Any], tuple[Any, ...]] = {}
        self._context_objs: dict[tuple[str, int, Any], Obj] = {}
        self._keys: dict[str, dict[tuple[str, str | None, str | None], Obj]] = {}
        self._wrappers: dict[int, Any] = {}

    def _kind(self, kind: str, namespace: Any = _ANY) -> tuple[Obj, ...]:
        """Every object of a kind (whose effective namespace is `namespace`, when given), in path order. The
        context's are created when first asked for, once each."""
        got = self._kinds.get(kind)
        if got is not None:
            return got if namespace is _ANY else self.in_namespace(got, namespace)
        key = (kind, namespace)
        got = self._kinds_ns.get(key)
        if got is None:
            mine = self._loaded_by_kind.get(kind, [])
            if namespace is not _ANY:
                mine = [o for o in mine if o.effective_namespace == namespace]
            theirs = self._from_context(kind, self.context.objects(kind, namespace)) if self.context else []
            if mine and theirs:
                got = tuple(sorted(mine + theirs, key=_doc_order))  # stable: a List's items keep their order
            else:
                got = tuple(mine or theirs)
            if namespace is _ANY:
                self._kinds[kind] = got
            else:
                self._kinds_ns[key] = got
        return got

    def namespaced(self, view: str, namespace: str | None) -> tuple[Any, ...]:
        """`in_namespace(getattr(repo, view), namespace)` for the views network_policies, cilium_policies, nads
        and workloads, creating only that namespace's objects while the whole view is not needed."""
        if view in self.__dict__:  # the view exists already
            return self.in_namespace(getattr(self, view), namespace)
        key = (view, namespace)
        got = self._views_ns.get(key)
        if got is None:
            got = self._views_ns[key] = self._view_of(view, lambda k: self._kind(k, namespace))
        return got

    def where(self, view: str, in_path: Callable[[str], bool]) -> tuple[Any, ...]:
        """The items of a view (as `namespaced`) whose file path passes `in_path`, creating only those."""
        if view in self.__dict__:
            return tuple(x for x in getattr(self, view) if in_path((x if isinstance(x, Obj) else x.obj).path))
        return self._view_of(view, lambda k: self._kind_where(k, in_path))

    def _kind_where(self, kind: str, in_path: Callable[[str], bool]) -> list[Obj]:
        got = self._kinds.get(kind)
        if got is not None:
            return [o for o in got if in_path(o.path)]
        out = [o for o in self._loaded_by_kind.get(kind, ()) if in_path(o.path)]
        if self.context is not None:
            theirs = self._from_context(kind, self.context.objects(kind, ..., in_path))
            if theirs:
                out = sorted(out + theirs, key=_doc_order)
        return out

    def _from_context(self, kind: str, found: Iterable[tuple[Any, ...]]) -> list[Obj]:
        """The Obj of each (file, document, node path, apiVersion, name, namespace) the context view found,
        created once per object."""
        memo = self._context_objs
        out = []
        for _f, doc, base, av, name, ns in found:
            k = (doc.file.path, doc.index, base)
            o = memo.get(k)
            if o is None:
                o = memo[k] = Obj.lazy(doc, base, av, kind, name, ns)
            out.append(o)
        return out

    def identities(self, kind: str) -> list[tuple[str, str, str | None, str | None]]:
        """(path, API group, effective namespace, name) of every object of a kind, creating none."""
        got = self._kinds.get(kind)
        if got is not None or self.context is None:
            objs = got if got is not None else self._loaded_by_kind.get(kind, ())
            return [(o.path, o.group, o.effective_namespace, o.name) for o in objs]
        out = [(o.path, o.group, o.effective_namespace, o.name) for o in self._loaded_by_kind.get(kind, ())]
        scoped = kind in CLUSTER_SCOPED_KINDS
        groups: dict[str, str] = {}  # a kind's objects share a few apiVersions
        for path, av, name, ns in self.context.identities(kind):
            group = groups.get(av)
            if group is None:
                group = groups[av] = _group_of(av)
            out.append((path, group, None if scoped else (ns or "default"), name))
        return out

    def _view_of(self, view: str, of_kind: Callable[[str], Iterable[Obj]]) -> tuple[Any, ...]:
        """A typed view built from `of_kind` (all objects of a kind, or some of them)."""
        if view == "workloads":
            return self._workloads(of_kind)
        kinds, group = _VIEW_KINDS[view]
        out = [o for k in kinds for o in of_kind(k) if o.group == group]
        if len(kinds) > 1:
            out.sort(key=_doc_order)
        return self._nads(out) if view == "nads" else tuple(out)

    @property
    def kinds(self) -> set[str]:
        """The kinds of all objects (no object is created)."""
        out = set(self._loaded_by_kind)
        if self.context is not None:
            out.update(self.context.kinds())
        return out

    @cached_property
    def objects(self) -> tuple[Obj, ...]:
        """Every object of the repo, in path order. Creates all of them: rules use kinds and `subjects`."""
        out: list[Obj] = []
        for k in self.kinds:
            out.extend(self._kind(k))
        out.sort(key=_object_order)
        return tuple(out)

    @cached_property
    def files(self) -> tuple[SourceFile, ...]:
        """Every file of the repo, in path order (the context's as lazy files)."""
        out = list(self.loaded)
        if self.context is not None:
            out.extend(self.context.files())
        out.sort(key=lambda f: f.path)
        return tuple(out)

    @cached_property
    def reported_files(self) -> tuple[SourceFile, ...]:
        return tuple(f for f in self.loaded if f.reported)

    @cached_property
    def _tags_by_file(self) -> dict[int, set[str]]:
        out = {id(f): {"file:" + f.kind} for f in self.loaded}
        for o in self._loaded_objects:
            out[id(o.doc.file)].add(o.kind)
        return out

    def file_tags(self, f: SourceFile) -> frozenset[str]:
        """What a rule's `reports_on` is matched with: the kinds of a loaded file's objects, and `file:KIND`."""
        return frozenset(self._tags_by_file.get(id(f), ()))

    @cached_property
    def reported_tags(self) -> frozenset[str]:
        """The tags of every reported file: rules whose `reports_on` misses them all have nothing to report."""
        out: set[str] = set()
        for f in self.reported_files:
            out |= self._tags_by_file[id(f)]
        return frozenset(out)

    @cached_property
    def has_context(self) -> bool:
        """Whether any file is not reported (then rules report on `subjects` only)."""
        return (self.context is not None and bool(self.context.paths())) or any(not f.reported for f in self.loaded)

    def _wrapped(self, o: Obj, make: Callable[[Obj], Any]) -> Any:
        """One wrapper (EksaCluster, Nad, Workload) per object, shared by the repo's views and `subjects`."""
        w = self._wrappers.get(id(o))
        if w is None:
            w = self._wrappers[id(o)] = make(o)
        return w

    @property
    def has_base(self) -> bool:
        return self._base is not None

    @cached_property
    def base(self) -> Repo | None:
        b = self._base
        return b() if callable(b) else b

    @cached_property
    def subjects(self) -> Subjects:
        """The same views holding only what is in reported files: what a rule reports on. Rules loop over
        `repo.subjects.X` and look things up in `repo.X`, so a one-file run does not touch every object."""
        return Subjects(self)

    @cached_property
    def reported_paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.reported_files)

    def in_namespace(self, items: Iterable[Any], namespace: str | None) -> tuple[Any, ...]:
        """The items (objects or wrappers with `.obj`) whose effective namespace is `namespace`, from an index
        built once per collection (no object data is touched)."""
        items = tuple(items)  # the repo's views are tuples: the same object each time, so this is a lookup
        key = id(items)  # the index keeps `items` alive, so its id is not reused while the entry exists
        index = self._ns_index.get(key)
        if index is None or index[0] is not items:
            by_ns: dict[str | None, list[Any]] = {}
            for it in items:
                o = it if isinstance(it, Obj) else it.obj
                by_ns.setdefault(o.effective_namespace, []).append(it)
            index = self._ns_index[key] = (items, {k: tuple(v) for k, v in by_ns.items()})
        return index[1].get(namespace, ())

    @cached_property
    def _ns_index(self) -> dict[Any, Any]:
        return {}

    # -- generic access -------------------------------------------------------------------------------------------

    def of_kind(self, *kinds: str, group: str | None = None) -> tuple[Obj, ...]:
        """Objects of these kinds (optionally only of an API group), in path order."""
        out: list[Obj] = []
        for k in kinds:
            out.extend(o for o in self._kind(k) if group is None or o.group == group)
        if len(kinds) > 1:
            out.sort(key=_doc_order)
        return tuple(out)

    def get(self, kind: str, name: str, namespace: str | None = None, group: str | None = None) -> Obj | None:
        """The object with this kind and name (and namespace/group when given)."""
        if group is not None:
            keys = self._keys.get(kind)
            if keys is None:
                keys = self._keys[kind] = {}
                for o in self._kind(kind):
                    keys.setdefault((o.group, o.namespace, o.name), o)
            hit = keys.get((group, namespace, name))
            if hit is not None:
                return hit
        for o in self._kind(kind):
            if o.name == name and (group is None or o.group == group) and \
                    (namespace is None or (o.namespace or "default") == namespace):
                return o
        return None

    def file(self, path: str) -> SourceFile | None:
        f = self._loaded_by_path.get(path)
        if f is None and self.context is not None:
            f = self.context.file(path)
        return f

    @cached_property
    def _loaded_by_path(self) -> dict[str, SourceFile]:
        return {f.path: f for f in self.loaded}

    def text_files(self, *patterns: str) -> tuple[SourceFile, ...]:
        """Files (any kind, with their raw text) whose path or name matches one of the globs."""
        paths = [f.path for f in self.loaded]
        if self.context is not None:
            paths.extend(self.context.paths())
        paths.sort()
        out = (self.file(p) for p in _paths_matching(paths, tuple(patterns)))
        return tuple(f for f in out if f is not None and f.text)

    def text_violation(self, file: SourceFile, line: int, col: int, message: str, end_col: int | None = None
                       ) -> Violation:
        """A violation at a line/column of a file's raw text (scripts, Makefiles, CSV)."""
        return Violation(Ref(file, None, (), "value", line, col, end_col), message)

    # -- typed views ----------------------------------------------------------------------------------------------

    @cached_property
    def clusters(self) -> tuple[EksaCluster, ...]:
        return self._clusters(self.of_kind("Cluster", group=EKSA_GROUP))

    def _clusters(self, objs: Iterable[Obj]) -> tuple[EksaCluster, ...]:
        return tuple(self._wrapped(o, lambda o: EksaCluster(o, self)) for o in objs)

    @cached_property
    def capi_clusters(self) -> tuple[Obj, ...]:
        return self.of_kind("Cluster", group=CAPI_GROUP)

    @cached_property
    def network_policies(self) -> tuple[Obj, ...]:
        return self._view_of("network_policies", self._kind)

    @cached_property
    def cilium_policies(self) -> tuple[Obj, ...]:
        """CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy objects."""
        return self._view_of("cilium_policies", self._kind)

    @cached_property
    def nads(self) -> tuple[Nad, ...]:
        return self._view_of("nads", self._kind)

    def _nads(self, objs: Iterable[Obj]) -> tuple[Nad, ...]:
        return tuple(self._wrapped(o, Nad) for o in objs)

    def nad(self, name: str, namespace: str) -> Nad | None:
        return self._nads_by_name.get((name, namespace))

    @cached_property
    def _nads_by_name(self) -> dict[tuple[Any, Any], Nad]:
        out: dict[tuple[Any, Any], Nad] = {}
        for n in self.nads:
            try:
                out.setdefault((n.name, n.namespace), n)
            except TypeError:  # an unhashable name never matches a str lookup
                continue
        return out

    @cached_property
    def workloads(self) -> tuple[Workload, ...]:
        return self._workloads(self._kind)

    def _workloads(self, of_kind: Callable[[str], Iterable[Obj]]) -> tuple[Workload, ...]:
        out = []
        for kind, path in WORKLOAD_TEMPLATE_PATHS.items():
            for o in of_kind(kind):
                if o.group in ("", "apps", "batch", "extensions"):
                    out.append(self._wrapped(o, lambda o, path=path: Workload(o, path)))
        out.sort(key=lambda w: _object_order(w.obj))
        return tuple(out)

    @cached_property
    def hardware_files(self) -> tuple[SourceFile, ...]:
        """The Tinkerbell hardware CSVs (by the `hardware` globs), rows or not."""
        globs = self.settings.hardware
        files = [f for f in self.loaded if f.kind == "csv"]
        if self.context is not None:
            files.extend(self.context.files(("csv",)))
        files.sort(key=lambda f: f.path)
        return tuple(f for f in files if _glob_match(f.path, globs))

    @cached_property
    def hardware(self) -> tuple[HardwareRow, ...]:
        return tuple(HardwareRow(f, r) for f in self.hardware_files for r in f.csv_rows)

    # -- ownership, hosts, target ---------------------------------------------------------------------------------

    def cluster_for(self, item: Obj | SourceFile | str) -> EksaCluster | None:
        """The Cluster a manifest belongs to: the one whose file is in the same folder or the nearest parent
        folder; with exactly one Cluster in the repo, that one; None when there is none (or no nearest one)."""
        clusters = self.clusters
        if not clusters:
            return None
        if len(clusters) == 1:
            return clusters[0]
        if isinstance(item, Obj):
            if item.group == EKSA_GROUP and item.kind == "Cluster":
                for c in clusters:
                    if c.obj is item:
                        return c
            path = item.path
        elif isinstance(item, SourceFile):
            path = item.path
        else:
            path = item
        memo = self._cluster_for_path
        if path not in memo:
            memo[path] = self._nearest_cluster(path)
        return memo[path]

    def may_belong(self, clusters: Iterable[EksaCluster]) -> Callable[[str], bool]:
        """A fast test of paths, False only for a path that cannot belong to any of `clusters` (`cluster_for`):
        a manifest belongs to the Cluster of its own or the nearest parent folder, or to the repo's only one.
        Rules that need the owner of many paths filter them with it first."""
        cs = list(clusters)
        if len(self.clusters) <= 1 or any(not c.obj.folder for c in cs):
            return lambda path: True
        prefixes = tuple({c.obj.folder + "/" for c in cs})
        return lambda path: path.startswith(prefixes)

    def _nearest_cluster(self, path: str) -> EksaCluster | None:
        folder = path.rpartition("/")[0]
        here = self._nearest_clusters(folder)
        if len(here) == 1:
            return here[0]
        same_file = [c for c in here if c.obj.path == path]  # several Clusters side by side: only its own file's
        return same_file[0] if len(same_file) == 1 else None

    def _nearest_clusters(self, folder: str) -> tuple[EksaCluster, ...]:
        """The Clusters of the nearest folder (this one or a parent) that has any; memoized per folder."""
        memo = self._clusters_near
        got = memo.get(folder)
        if got is None:
            here = self._clusters_by_folder.get(folder)
            if here:
                got = tuple(here)
            else:
                got = self._nearest_clusters(folder.rpartition("/")[0]) if folder else ()
            memo[folder] = got
        return got

    @cached_property
    def _clusters_near(self) -> dict[str, tuple[EksaCluster, ...]]:
        return {}

    @cached_property
    def _cluster_for_path(self) -> dict[str, EksaCluster | None]:
        return {}

    @cached_property
    def _clusters_by_folder(self) -> dict[str, list[EksaCluster]]:
        out: dict[str, list[EksaCluster]] = {}
        for c in self.clusters:
            out.setdefault(c.obj.folder, []).append(c)
        return out

    def hosts_for_cluster(self, cluster: EksaCluster | None) -> HostFacts:
        return self.settings.hosts_for(cluster.name if cluster is not None else None)

    def hosts_for(self, item: Obj | SourceFile | str) -> HostFacts:
        """Host NIC facts for the cluster a manifest belongs to (the global `hosts:` config otherwise)."""
        return self.hosts_for_cluster(self.cluster_for(item))

    def target_for(self, cluster: EksaCluster | None) -> str:
        """Which Cilium the cluster runs: --target/config, else from spec.eksaVersion (< v0.24.0 is
        eksa-default, later is eksa-aws), else eksa-default."""
        forced = self.settings.target_for(cluster.name if cluster is not None else None)
        if forced:
            return forced
        v = cluster.eksa_version if cluster is not None else None
        if v is None:
            return "eksa-default"
        return "eksa-default" if v < (0, 24, 0) else "eksa-aws"

    def target_of(self, item: Obj | SourceFile | str) -> str:
        return self.target_for(self.cluster_for(item))



class Subjects:
    """`repo.subjects`: Repo's collections (and `of_kind`) holding only what is in reported files, built from
    those files alone (the context's objects are not created for them) and sharing the repo's wrappers."""

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        self._all = not repo.has_context
        self._objects = tuple(o for o in repo._loaded_objects if o.doc.file.reported)
        self._by_kind: dict[str, list[Obj]] = {}
        for o in self._objects:
            self._by_kind.setdefault(o.kind, []).append(o)
        self._cache: dict[Any, tuple[Any, ...]] = {}

    def _memo(self, key: Any, make: Callable[[], Iterable[Any]]) -> tuple[Any, ...]:
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = tuple(make())
        return got

    def _views_of_repo(self, name: str) -> tuple[Any, ...] | None:
        """With nothing but reported files the repo's own views are the subjects' (same tuples)."""
        return getattr(self._repo, name) if self._all else None

    @property
    def objects(self) -> tuple[Obj, ...]:
        return self._repo.objects if self._all else self._objects

    @property
    def files(self) -> tuple[SourceFile, ...]:
        return self._repo.reported_files

    def of_kind(self, *kinds: str, group: str | None = None) -> tuple[Obj, ...]:
        if self._all:
            return self._repo.of_kind(*kinds, group=group)

        def make() -> list[Obj]:
            out = [o for k in kinds for o in self._by_kind.get(k, ()) if group is None or o.group == group]
            if len(kinds) > 1:
                out.sort(key=_doc_order)
            return out

        return self._memo((kinds, group), make)

    def _view(self, name: str, make: Callable[[], Iterable[Any]]) -> tuple[Any, ...]:
        got = self._views_of_repo(name)
        return got if got is not None else self._memo(name, make)

    @property
    def clusters(self) -> tuple[EksaCluster, ...]:
        return self._view("clusters", lambda: self._repo._clusters(self.of_kind("Cluster", group=EKSA_GROUP)))

    @property
    def capi_clusters(self) -> tuple[Obj, ...]:
        return self._view("capi_clusters", lambda: self.of_kind("Cluster", group=CAPI_GROUP))

    @property
    def network_policies(self) -> tuple[Obj, ...]:
        return self._view("network_policies", lambda: self.of_kind("NetworkPolicy", group="networking.k8s.io"))

    @property
    def cilium_policies(self) -> tuple[Obj, ...]:
        return self._view("cilium_policies", lambda: self.of_kind(
            "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", group=CILIUM_GROUP))

    @property
    def nads(self) -> tuple[Nad, ...]:
        return self._view("nads", lambda: self._repo._nads(
            self.of_kind("NetworkAttachmentDefinition", group=NAD_GROUP)))

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return self._view("workloads", lambda: self._repo._workloads(lambda k: self._by_kind.get(k, ())))

    @property
    def hardware_files(self) -> tuple[SourceFile, ...]:
        return self._view("hardware_files", lambda: (f for f in self._repo.hardware_files if f.reported))

    @property
    def hardware(self) -> tuple[HardwareRow, ...]:
        return self._view("hardware", lambda: (r for r in self._repo.hardware if r.file.reported))
