"""The parts of a CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy that several rules walk, computed once
per object: its rules (`spec` and each `specs[i]`), their ingress/egress(/Deny) sections, and toPorts entries.
Each item is (node path from the object, dict)."""

from __future__ import annotations

from typing import Any

from eksa_lint.model import Obj

Path = tuple[Any, ...]
SECTIONS = ("ingress", "egress", "ingressDeny", "egressDeny")


def policy_specs(obj: Obj) -> tuple[tuple[Path, dict[str, Any]], ...]:
    """(path, rule) of each rule of a CNP/CCNP: `spec` and each `specs[i]`."""
    memo = obj.__dict__
    got = memo.get("_cilium_specs")
    if got is None:
        out: list[tuple[Path, dict[str, Any]]] = []
        spec = obj.get("spec")
        if isinstance(spec, dict):
            out.append((("spec",), spec))
        specs = obj.get("specs")
        if isinstance(specs, list):
            out.extend((("specs", i), s) for i, s in enumerate(specs) if isinstance(s, dict))
        got = memo["_cilium_specs"] = tuple(out)
    return got


def section_rules(obj: Obj) -> tuple[tuple[Path, dict[str, Any]], ...]:
    """(path, rule) of every ingress/egress(/Deny) rule, in both spec and specs forms."""
    memo = obj.__dict__
    got = memo.get("_cilium_sections")
    if got is None:
        out = []
        for base, spec in policy_specs(obj):
            for section in SECTIONS:
                items = spec.get(section)
                if isinstance(items, list):
                    out.extend((base + (section, i), r) for i, r in enumerate(items) if isinstance(r, dict))
        got = memo["_cilium_sections"] = tuple(out)
    return got


def port_rules(obj: Obj) -> tuple[tuple[Path, dict[str, Any]], ...]:
    """(path, port rule) of every toPorts entry."""
    memo = obj.__dict__
    got = memo.get("_cilium_ports")
    if got is None:
        out = []
        for path, r in section_rules(obj):
            ports = r.get("toPorts")
            if isinstance(ports, list):
                out.extend((path + ("toPorts", j), p) for j, p in enumerate(ports) if isinstance(p, dict))
        got = memo["_cilium_ports"] = tuple(out)
    return got
