"""The Cilium feature-support table per target (rules/tiers.yaml), loaded once from package data."""

from __future__ import annotations

from functools import cache

from eksa_lint.findings import Severity
from eksa_lint.record import FrozenRecord

SUPPORTED, WORKS_UNSUPPORTED, ABSENT = "supported", "works-unsupported", "absent"


class Feature(FrozenRecord):
    _fields = ("key", "label", "row", "cells")
    __slots__ = _fields

    def __init__(self, key: str, label: str, row: str, cells: dict[str, str]) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "cells", cells)

    def severity(self, target: str) -> Severity | None:
        """None when the target supports it; a warning when it works unsupported; an error when absent."""
        cell = self.cells.get(target, ABSENT)
        if cell == SUPPORTED:
            return None
        return Severity.WARNING if cell == WORKS_UNSUPPORTED else Severity.ERROR

    def supported_on(self) -> list[str]:
        return [t for t, c in self.cells.items() if c == SUPPORTED]

    def verdict(self, target: str) -> str:
        cell = self.cells.get(target, ABSENT)
        if cell == WORKS_UNSUPPORTED:
            what = f"which works on {target} but is not supported there"
        else:
            what = f"which {target} does not have"
        where = ", ".join(self.supported_on()) or "no target"
        return f"needs {self.label}, {what}; supported on {where}"


@cache
def features() -> dict[str, Feature]:
    import os

    import eksa_lint.rules as package
    import yaml

    try:  # a plain file next to the package (importlib.resources costs 8 ms to import)
        with open(os.path.join(os.path.dirname(package.__file__ or ""), "tiers.yaml"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:  # installed in a zip, say
        from importlib import resources

        text = resources.files("eksa_lint.rules").joinpath("tiers.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    targets = data["targets"]
    return {
        key: Feature(key, f["label"], f["row"], {t: f[t] for t in targets})
        for key, f in data["features"].items()
    }
