"""The rule declaration: one decorator carries everything users see about a rule (catalogue, explain, README, SARIF)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from eksa_lint.findings import ERROR, NOTE, WARNING, Severity
from eksa_lint.record import FrozenRecord

if TYPE_CHECKING:
    from eksa_lint.model import Repo, Violation

__all__ = ["ERROR", "NOTE", "RULE_MODULES", "WARNING", "Rule", "all_rules", "get_rule", "rule"]

ID_RE = re.compile(r"^EKSA\d{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Rule families, one module each (imported on first use of the catalogue, in this order).
RULE_MODULES = (
    "eksa_lint.rules.loader",
    "eksa_lint.rules.schema_rules",
    "eksa_lint.rules.lifecycle",
    "eksa_lint.rules.lifecycle_network",
    "eksa_lint.rules.lifecycle_cni",
    "eksa_lint.rules.cilium_features",
    "eksa_lint.rules.nad",
    "eksa_lint.rules.ipam",
    "eksa_lint.rules.policy",
    "eksa_lint.rules.changes",
)

CheckFn = Callable[["Repo"], Iterable["Violation"]]


class Rule(FrozenRecord):
    _fields = (
        "id", "name", "severity", "summary", "doc", "check", "tags", "fixable", "engine",
        "needs_base", "module", "extra",
    )
    __slots__ = _fields
    _compare = _fields[:-1]  # not extra (field(compare=False, hash=False))

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        summary: str,
        explanation: str,
        check: CheckFn,
        tags: tuple[str, ...] = (),
        fixable: str | None = None,  # None, "safe", "unsafe" or "safe/unsafe"
        # Rules whose findings come from the loader or engine (EKSA001-009) set this: the engine then
        # does not call `check` but emits them itself.
        engine: bool = False,
        needs_base: bool = False,
        module: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "summary", summary)
        object.__setattr__(self, "doc", explanation)  # as written; `explanation` is it dedented
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "tags", tags)
        object.__setattr__(self, "fixable", fixable)
        object.__setattr__(self, "engine", engine)
        object.__setattr__(self, "needs_base", needs_base)
        object.__setattr__(self, "module", module)
        object.__setattr__(self, "extra", {} if extra is None else extra)

    @property
    def explanation(self) -> str:
        """The rule's documentation (Markdown), dedented when first asked for: a check run never needs it."""
        got = _CLEAN.get(self.doc)
        if got is None:
            import inspect

            got = _CLEAN[self.doc] = inspect.cleandoc(self.doc)
        return got

    @property
    def family(self) -> str:
        return self.module.rsplit(".", 1)[-1]

    @property
    def help_uri(self) -> str:
        return f"https://github.com/eksa-lint/eksa-lint/blob/main/docs/rules/{self.id}.md"

    def documentation(self) -> str:
        """The full Markdown documentation of the rule (what `eksa-lint explain` prints)."""
        fix = {
            None: "Not fixable.",
            "safe": "Fixable with `--fix` (safe).",
            "unsafe": "Fixable with `--fix --unsafe-fixes` (unsafe: it changes behaviour; review it).",
        }.get(self.fixable, f"Fixable: {self.fixable}.")
        head = (
            f"# {self.id} {self.name}\n\n"
            f"{self.summary}\n\n"
            f"- Default severity: {self.severity.label}\n"
            f"- Tags: {', '.join(self.tags) if self.tags else '-'}\n"
            f"- Fix: {fix}\n"
        )
        return head + ("\n" + self.explanation.strip() + "\n" if self.explanation.strip() else "")


_REGISTRY: dict[str, Rule] = {}
_CLEAN: dict[str, str] = {}
_LOADED = False


def rule(
    *,
    id: str,
    name: str,
    severity: Severity,
    summary: str,
    tags: Iterable[str] = (),
    fixable: str | None = None,
    engine: bool = False,
    needs_base: bool = False,
) -> Callable[[CheckFn], CheckFn]:
    """Declare a rule. The decorated function's docstring is its explanation (Markdown)."""
    if not ID_RE.match(id):
        raise ValueError(f"rule id {id!r} must look like EKSA123")
    if not NAME_RE.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")
    if not summary or "\n" in summary:
        raise ValueError(f"{id}: summary must be one line")

    def decorate(fn: CheckFn) -> CheckFn:
        if id in _REGISTRY and _REGISTRY[id].check is not fn:
            raise ValueError(f"duplicate rule id {id}")
        for other in _REGISTRY.values():
            if other.name == name and other.id != id:
                raise ValueError(f"duplicate rule name {name} ({other.id}, {id})")
        _REGISTRY[id] = Rule(
            id=id,
            name=name,
            severity=severity,
            summary=summary,
            explanation=fn.__doc__ or "",
            check=fn,
            tags=tuple(tags),
            fixable=fixable,
            engine=engine,
            needs_base=needs_base,
            module=fn.__module__,
        )
        return fn

    return decorate


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for mod in RULE_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a family not written yet
            if exc.name != mod:
                raise
    _LOADED = True


def all_rules() -> list[Rule]:
    """Every declared rule, sorted by ID."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda r: r.id)


def get_rule(key: str) -> Rule | None:
    """Look a rule up by ID (case-insensitive) or name."""
    _load()
    k = key.strip()
    if k.upper() in _REGISTRY:
        return _REGISTRY[k.upper()]
    for r in _REGISTRY.values():
        if r.name == k.lower():
            return r
    return None


def iter_rules(ids: Iterable[str]) -> Iterator[Rule]:
    _load()
    for i in ids:
        yield _REGISTRY[i]
