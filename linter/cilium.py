"""The parts of a CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy that several rules walk, computed once
per object: its rules (`spec` and each `specs[i]`), their ingress/egress(/Deny) sections, and toPorts entries.
Each item is (node path from the object, dict)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from eksa_lint.model import Obj

Path = tuple[Any, ...]
Items = tuple[tuple[Path, dict[str, Any]], ...]
SECTIONS = ("ingress", "egress", "ingressDeny", "egressDeny")


def _once(walk: Callable[[Obj], Iterator[tuple[Path, dict[str, Any]]]]) -> Callable[[Obj], Items]:
    """Memoize a walk on the object itself (the model is immutable once built)."""
    key = f"_cilium_{walk.__name__}"

    def cached(obj: Obj) -> Items:
        got = obj.__dict__.get(key)
        if got is None:
            got = obj.__dict__[key] = tuple(walk(obj))
        return got

    cached.__name__, cached.__doc__ = walk.__name__, walk.__doc__
    return cached


def _dicts(items: Any, base: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield base + (i,), item


@_once
def policy_specs(obj: Obj) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, rule) of each rule of a CNP/CCNP: `spec` and each `specs[i]`."""
    spec = obj.get("spec")
    if isinstance(spec, dict):
        yield ("spec",), spec
    yield from _dicts(obj.get("specs"), ("specs",))


@_once
def section_rules(obj: Obj) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, rule) of every ingress/egress(/Deny) rule, in both spec and specs forms."""
    for base, spec in policy_specs(obj):
        for section in SECTIONS:
            yield from _dicts(spec.get(section), base + (section,))


@_once
def port_rules(obj: Obj) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, port rule) of every toPorts entry."""
    for path, r in section_rules(obj):
        yield from _dicts(r.get("toPorts"), path + ("toPorts",))
