"""Severities, locations and findings: the values that flow from rules through the engine to reporters."""

from __future__ import annotations

import enum
from typing import Any

from eksa_lint.record import FrozenRecord, Record


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


class Location(FrozenRecord):
    """A 1-based region of a file. end_* are inclusive-exclusive like SARIF (end_col points past the token)."""

    _fields = ("path", "line", "col", "end_line", "end_col")
    __slots__ = _fields

    def __init__(self, path: str, line: int, col: int, end_line: int, end_col: int) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "col", col)
        object.__setattr__(self, "end_line", end_line)
        object.__setattr__(self, "end_col", end_col)

    @classmethod
    def point(cls, path: str, line: int, col: int = 1) -> Location:
        return cls(path, line, col, line, col + 1)


class ObjectId(FrozenRecord):
    """Identity of the Kubernetes object a finding is about."""

    _fields = ("api_version", "kind", "namespace", "name")
    __slots__ = _fields

    def __init__(self, api_version: str, kind: str, namespace: str | None, name: str | None) -> None:
        object.__setattr__(self, "api_version", api_version)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "namespace", namespace)
        object.__setattr__(self, "name", name)

    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name or '?'}"


class Edit(FrozenRecord):
    """Replace text between two 0-based character offsets of a file (a fix is a list of edits)."""

    _fields = ("start", "end", "text")
    __slots__ = _fields

    def __init__(self, start: int, end: int, text: str) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "text", text)


class Fix(FrozenRecord):
    """A fix offered by a rule. `safe` fixes apply with --fix; the rest need --unsafe-fixes."""

    _fields = ("description", "safe", "edits", "operation")
    __slots__ = _fields

    def __init__(
        self,
        description: str,
        safe: bool,
        edits: tuple[Edit, ...] = (),
        # Structured form for the ruamel round-trip fixer: (operation, node path, value).
        operation: tuple[Any, ...] | None = None,
    ) -> None:
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "safe", safe)
        object.__setattr__(self, "edits", edits)
        object.__setattr__(self, "operation", operation)


class Finding(Record):
    """One resolved finding, as reporters see it."""

    _fields = (
        "rule_id", "rule_name", "severity", "message", "location", "node_path", "obj", "fingerprint",
        "suppressed", "suppression_kind", "related", "fix", "extra",
    )
    __slots__ = tuple("_fingerprint" if n == "fingerprint" else n for n in _fields)

    def __init__(
        self,
        rule_id: str,
        rule_name: str,
        severity: Severity,
        message: str,
        location: Location,
        node_path: NodePath = (),
        obj: ObjectId | None = None,
        # the fingerprint, or (what it hashes, occurrence): hashed when first read (a text run never reads it)
        fingerprint: str | tuple[str, int] = "",
        suppressed: str | None = None,  # justification when suppressed in source ("" when none given)
        suppression_kind: str = "inSource",
        related: tuple[tuple[Location, str], ...] = (),
        fix: Fix | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.rule_id = rule_id
        self.rule_name = rule_name
        self.severity = severity
        self.message = message
        self.location = location
        self.node_path = node_path
        self.obj = obj
        self._fingerprint = fingerprint
        self.suppressed = suppressed
        self.suppression_kind = suppression_kind
        self.related = related
        self.fix = fix
        self.extra = {} if extra is None else extra

    @property
    def fingerprint(self) -> str:
        fp = self._fingerprint
        if isinstance(fp, tuple):
            fp = self._fingerprint = fingerprint_of(*fp)
        return fp

    @fingerprint.setter
    def fingerprint(self, value: str) -> None:
        self._fingerprint = value

    @property
    def path(self) -> str:
        return self.location.path

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.rule_id, self.message)


def fingerprint_of(source: str, occurrence: int = 1) -> str:
    """A finding's fingerprint: the first 32 hex digits of the SHA-256 of what identifies it (engine.
    fingerprint_source), with `:N` for its N-th repetition in the same place."""
    import hashlib  # here: most runs never ask

    fp = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return fp if occurrence == 1 else f"{fp}:{occurrence}"
