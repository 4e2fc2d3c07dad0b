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
        "needs_base", "module", "reports_on", "extra",
    )
    __slots__ = _fields
    _compare = _fields[:-1]  # not extra (field(compare=False, hash=False))

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        summary: str,
        doc: str,  # the explanation as written (Markdown); `explanation` is it dedented
        check: CheckFn,
        tags: tuple[str, ...] = (),
        fixable: str | None = None,  # None, "safe", "unsafe" or "safe/unsafe"
        # Rules whose findings come from the loader or engine (EKSA001-009) set this: the engine then
        # does not call `check` but emits them itself.
        engine: bool = False,
        needs_base: bool = False,
        module: str = "",
        # The kinds of objects (and `file:csv` etc. for files by their type) in whose files the rule's findings
        # can land; None: any file. A run whose reported files hold none of them skips the rule (see below).
        reports_on: frozenset[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "summary", summary)
        object.__setattr__(self, "doc", doc)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "tags", tags)
        object.__setattr__(self, "fixable", fixable)
        object.__setattr__(self, "engine", engine)
        object.__setattr__(self, "needs_base", needs_base)
        object.__setattr__(self, "module", module)
        object.__setattr__(self, "reports_on", reports_on)
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
    reports_on: Iterable[str] | None = None,
) -> Callable[[CheckFn], CheckFn]:
    """Declare a rule. The decorated function's docstring is its explanation (Markdown).

    `reports_on` names the kinds of objects (or `file:csv`, `file:text`...) in whose files the rule's findings can
    land; a finding about a NetworkPolicy is in the policy's file, so a rule that only reports on policies
    declares `reports_on=("NetworkPolicy",)`. When no reported file holds one of them, the rule is not run and
    its module not imported (a one-file pre-commit run needs few). Leave it out when findings can land in any
    file. Under EKSA_LINT_CHECK_SCOPES=1 (the test suite) a finding outside the declaration is an error."""
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
            doc=fn.__doc__ or "",
            check=fn,
            tags=tuple(tags),
            fixable=fixable,
            engine=engine,
            needs_base=needs_base,
            module=fn.__module__,
            reports_on=None if reports_on is None else frozenset(reports_on),
        )
        return fn

    return decorate


_IMPORTED: set[str] = set()


def _import(mod: str) -> None:
    try:
        importlib.import_module(mod)
    except ModuleNotFoundError as exc:  # a family not written yet
        if exc.name != mod:
            raise
    _IMPORTED.add(mod)


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for mod in RULE_MODULES:
        if mod not in _IMPORTED:
            _import(mod)
    _LOADED = True


def module_scopes(rules: Iterable[Rule]) -> dict[str, tuple[str, ...] | None]:
    """Per rule module, the union of its rules' `reports_on` (None when one of them may report anywhere): what
    scripts/generate_docs.py writes to linter/rule_index.py, so a run knows which modules it needs unimported."""
    out: dict[str, set[str] | None] = {}
    for r in rules:
        if r.module not in out:
            out[r.module] = set()
        got = out[r.module]
        if got is not None:
            out[r.module] = None if r.reports_on is None else got | r.reports_on
    return {m: None if v is None else tuple(sorted(v)) for m, v in out.items()}


def load_for(tags: Iterable[str] | None) -> list[Rule]:
    """The rules that can report in files with these tags (object kinds, `file:KIND`), sorted by ID, importing only
    their modules (by linter/rule_index.py; a module it does not list is imported). Every rule when tags is None."""
    if tags is None:
        return all_rules()
    wanted = frozenset(tags)
    if not _LOADED:
        try:
            from eksa_lint.rule_index import MODULES
        except ImportError:  # pragma: no cover - a broken install: import every module
            MODULES = {}
        for mod in RULE_MODULES:
            scope = MODULES.get(mod, None)
            if mod not in _IMPORTED and (scope is None or _meets(frozenset(scope), wanted)):
                _import(mod)
    return sorted((r for r in _REGISTRY.values() if in_scope(r, wanted)), key=lambda r: r.id)


def rule_names() -> dict[str, str]:
    """Every rule's ID and name, without importing the rule modules (from linter/rule_index.py)."""
    if not _LOADED:
        try:
            from eksa_lint.rule_index import RULES

            # and the rules registered since (a plugin, a test): _REGISTRY holds the imported modules' rules
            return {**RULES, **{r.id: r.name for r in _REGISTRY.values()}} if _REGISTRY.keys() - RULES.keys() \
                else RULES
        except ImportError:  # pragma: no cover - a broken install
            pass
    return {r.id: r.name for r in all_rules()}


def in_scope(r: Rule, tags: frozenset[str]) -> bool:
    """Whether a rule can report in files with these tags."""
    return r.reports_on is None or _meets(r.reports_on, tags)


_PATTERNS: dict[frozenset[str], tuple[str, ...]] = {}


def _meets(scope: frozenset[str], tags: frozenset[str]) -> bool:
    """Whether a `reports_on` scope names one of the tags; an entry with `*` (`CiliumBGP*`) is a glob."""
    if not scope.isdisjoint(tags):
        return True
    pats = _PATTERNS.get(scope)
    if pats is None:
        pats = _PATTERNS[scope] = tuple(p for p in scope if "*" in p)
    if not pats:
        return False
    from fnmatch import fnmatchcase

    return any(fnmatchcase(t, p) for p in pats for t in tags)


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
