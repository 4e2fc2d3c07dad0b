"""Severities, locations and findings: the values that flow from rules through the engine to reporters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Finding severity; the order is the fail-level order (note < warning < error)."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; use error, warning or note") from None

    @property
    def label(self) -> str:
        return self.name.lower()


ERROR = Severity.ERROR
WARNING = Severity.WARNING
NOTE = Severity.NOTE

# A node path: keys (str) and list indexes (int) from a document's root. A path may continue
# *into* a JSON string (a NAD's spec.config): ("spec", "config", "plugins", 0, "master").
NodePath = tuple[Any, ...]


@dataclass(frozen=True)
class Location:
    """A 1-based region of a file. end_* are inclusive-exclusive like SARIF (end_col points past the token)."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def point(cls, path: str, line: int, col: int = 1) -> Location:
        return cls(path, line, col, line, col + 1)


@dataclass(frozen=True)
class ObjectId:
    """Identity of the Kubernetes object a finding is about."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name or '?'}"


@dataclass(frozen=True)
class Edit:
    """Replace text between two 0-based character offsets of a file (a fix is a list of edits)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """A fix offered by a rule. `safe` fixes apply with --fix; the rest need --unsafe-fixes."""

    description: str
    safe: bool
    edits: tuple[Edit, ...] = ()
    # Structured form for the ruamel round-trip fixer: (operation, node path, value).
    operation: tuple[Any, ...] | None = None


@dataclass
class Finding:
    """One resolved finding, as reporters see it."""

    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    location: Location
    node_path: NodePath = ()
    obj: ObjectId | None = None
    fingerprint: str = ""
    suppressed: str | None = None  # justification when suppressed in source ("" when none given)
    suppression_kind: str = "inSource"
    related: tuple[tuple[Location, str], ...] = ()
    fix: Fix | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.location.path

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.rule_id, self.message)
