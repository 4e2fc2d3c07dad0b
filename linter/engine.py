"""Run the rules over the repo model, resolve node paths to file:line:col, and apply suppressions."""

from __future__ import annotations

import functools
import gc
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from eksa_lint.cache import CacheCorrupt
from eksa_lint.config import Settings
from eksa_lint.discover import Discovery, discover
from eksa_lint.findings import Finding, Fix, Location, Severity
from eksa_lint.load import load_file
from eksa_lint.load.locate import locate
from eksa_lint.load.source import SourceFile
from eksa_lint.model import Obj, Ref, Repo, Violation
from eksa_lint.record import Record
from eksa_lint.registry import Rule, in_scope, load_for, rule_names
from eksa_lint.suppress import ANNOTATION, Suppression, parse_comments, removal_edits

LOADER_RULES = {"EKSA001", "EKSA002", "EKSA003", "EKSA004", "EKSA005", "EKSA006", "EKSA007"}
UNUSED_SUPPRESSION = "EKSA008"
INTERNAL_ERROR = "EKSA009"
# Development switch (the test suite sets it): a finding in a file that holds none of its rule's `reports_on`
# kinds stops the run, so a wrong declaration (which would make one-file runs miss findings) cannot go unnoticed.
CHECK_SCOPES = os.environ.get("EKSA_LINT_CHECK_SCOPES") == "1"


class ScopeError(Exception):
    """A rule reported outside its declared `reports_on`."""


class RunResult(Record):
    _fields = ("findings", "files", "root", "duration", "rules", "repo", "internal_errors", "stats")
    __slots__ = _fields

    def __init__(
        self,
        findings: list[Finding],
        files: tuple[SourceFile, ...],
        root: str,
        duration: float,
        rules: list[Rule],
        repo: Repo | None = None,
        internal_errors: int = 0,
        stats: dict[str, Any] | None = None,
    ) -> None:
        self.findings = findings
        self.files = files
        self.root = root
        self.duration = duration
        self.rules = rules
        self.repo = repo
        self.internal_errors = internal_errors
        self.stats = {} if stats is None else stats

    @property
    def reported_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.reported]

    def active(self) -> list[Finding]:
        """Findings that are not suppressed."""
        return [f for f in self.findings if f.suppressed is None]

    def exit_code(self, fail_level: Severity) -> int:
        if self.internal_errors:
            return 2
        return 1 if any(f.severity >= fail_level for f in self.active()) else 0


def resolve(ref: Ref) -> Location:
    """Turn a Ref (node path or text position) into a 1-based file location."""
    f = ref.file
    if ref.line is not None:
        col = ref.col or 1
        end = ref.end_col if ref.end_col and ref.end_col > col else col + 1
        return Location(f.path, ref.line, col, ref.line, end)
    if ref.doc is None or ref.doc.node is None:
        return Location.point(f.path, 1, 1)
    span = locate(f, ref.doc.node, ref.path, ref.at)
    line, col = f.lines.position(span.start)
    end_line, end_col = f.lines.position(max(span.end, span.start + 1))
    return Location(f.path, line, col, end_line, end_col)


def _object_key(o: Obj | None) -> str:
    if o is None:
        return ""
    return f"{o.api_version}|{o.kind}|{o.namespace or ''}|{o.name or ''}"


def fingerprint_source(rule_id: str, ref: Ref, obj: Obj | None, extra: str = "") -> str:
    """What a finding's fingerprint hashes (see findings.fingerprint_of). Stable across line moves: rule + path +
    object identity (or document index) + node path, or the line's content for a finding on raw text."""
    if ref.line is not None:
        # the line's content without a trailing comment, so adding a suppression keeps the fingerprint
        anchor = re.sub(r"\s+#.*$", "", ref.file.line_text(ref.line)).strip()
    else:
        anchor = "/".join(str(p) for p in ref.path)
    ident = _object_key(obj) or (f"doc{ref.doc.index}" if ref.doc is not None else "")
    return f"{rule_id}\x1f{ref.file.path}\x1f{ident}\x1f{anchor}\x1f{extra}"


def _known(cache: Callable[[], Any]) -> dict[str, str]:
    """The cache's known entries, for discovery, which asks while git works; the rule modules every run needs
    (those whose rules may report in any file) are imported then too."""
    load_for(())
    return cache().known()


def _with_edits(fix: Fix, doc: Any) -> Fix:
    from eksa_lint.fix import with_edits  # here: most runs have nothing to fix

    return with_edits(fix, doc)


def _culprit(tb: Any) -> Obj | None:
    """The innermost object a crashing rule was looking at (found among the frames' locals)."""
    found = None
    while tb is not None:
        for v in tb.tb_frame.f_locals.values():
            cand = v if isinstance(v, Obj) else getattr(v, "obj", None)
            if isinstance(cand, Obj):
                found = cand
        tb = tb.tb_next
    return found


class Engine:
    def __init__(self, settings: Settings, progress: Callable[[int, int], None] | None = None) -> None:
        self.settings = settings
        self.progress = progress

    # -- stages ---------------------------------------------------------------------------------------------------

    def load(self, disc: Discovery, cache_of: Callable[[], Any] | None = None) -> tuple[list[SourceFile], Any]:
        """Load the files of a run: (the files parsed here, the cache's view of the other context files or None).

        Reported files are always parsed. Context files come from the cache when it holds them unchanged, as a
        view that creates nothing for a file until a rule asks for it; the others are parsed and added to the
        cache. With `jobs` > 1 the parsing is shared with worker processes (their node trees are composed again
        lazily, only where a finding needs a position)."""
        s = self.settings
        # Loading builds millions of long-lived objects and no cycles: the cyclic GC would rescan the growing
        # heap again and again (2.4x the load time on 10k files). Pause it, then freeze what was loaded.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            cache = view = None
            keys: dict[str, Any] = {}
            if disc.listing is not None and disc.listing.fast and cache_of is None:
                raise ValueError("a fast listing needs the cache it was made with")
            if cache_of is not None and (disc.context or (disc.listing is not None and disc.listing.fast)):
                cache = cache_of()
                stale = cache.stale(disc.context)
                skip, drop = cache.plan(disc.context, stale, disc.listing, {f.path for f in disc.reported})
                view = cache.view(skip)
                prefix = disc.root.rstrip(os.sep) + os.sep
                keys = {p: disc.context[p][1] for p in stale}
                extra = [SourceFile(p, prefix + p, disc.context[p][0], reported=False) for p in stale]
                todo = sorted([*disc.reported, *extra], key=lambda f: f.path)
            else:
                todo = list(disc.files)
            total = len(todo)
            jobs = min(max(1, s.jobs), os.cpu_count() or 1)
            if jobs > 1 and len(todo) >= 200:
                self._load_parallel(todo, jobs, cache, keys)
            else:
                for i, f in enumerate(todo):
                    load_file(f, s.max_bytes, docs=s.docs)
                    if cache is not None and not f.reported:
                        cache.put(f, keys[f.path])
                    if self.progress and (i % 200 == 0 or i == total - 1):
                        self.progress(i + 1, total)
            if cache is not None:
                cache.save(drop, disc.listing)
        finally:
            gc.freeze()
            if was_enabled:
                gc.enable()
        return todo, view

    def _load_parallel(self, todo: list[SourceFile], jobs: int, cache: Any, keys: dict[str, Any]) -> None:
        import multiprocessing

        from eksa_lint.load import apply_state

        s = self.settings
        local = [f for f in todo if f.kind not in ("yaml", "json", "csv")]  # docs-mode blocks: load here
        remote = [f for f in todo if f.kind in ("yaml", "json", "csv")]
        for f in local:
            load_file(f, s.max_bytes, docs=s.docs)
            if cache is not None and not f.reported:
                cache.put(f, keys[f.path])
        # This process parses a share itself (keeping its node trees) while jobs-1 workers parse the rest.
        share = len(remote) // jobs
        mine, theirs = remote[:share], remote[share:]
        size = max(50, min(500, len(theirs) // (jobs * 4) or 1))
        chunks = [theirs[i:i + size] for i in range(0, len(theirs), size)]
        args = [([(f.path, f.abspath, f.kind) for f in c], s.max_bytes, s.docs) for c in chunks]
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        count, total = len(local), len(todo)
        with ctx.Pool(jobs - 1) as pool:
            results = pool.imap(_load_chunk, args)
            for f in mine:
                load_file(f, s.max_bytes, docs=s.docs)
                if cache is not None and not f.reported:
                    cache.put(f, keys[f.path])
                count += 1
                if self.progress and count % 200 == 0:
                    self.progress(count, total)
            for chunk, states in zip(chunks, results):
                for f, state in zip(chunk, states):
                    apply_state(f, state)
                    if cache is not None and not f.reported:
                        cache.put(f, keys[f.path], state)
                count += len(chunk)
                if self.progress:
                    self.progress(count, total)

    def _cache(self, paths: list[str], cwd: str | None) -> Any:
        """The context cache of the repo the PATHS are in (read when first used)."""
        from eksa_lint.cache import ContextCache
        from eksa_lint.discover import find_root

        s = self.settings
        root, _ = find_root(paths or ["."], cwd or os.getcwd())
        return ContextCache(root, (s.max_bytes, s.docs, tuple(s.hardware), tuple(s.exclude)))

    def select_rules(self, tags: frozenset[str] | None = None) -> list[Rule]:
        """The enabled rules (that can report in files with these tags, when given)."""
        return [r for r in load_for(tags) if self.settings.rule_enabled(r.id, r.name)]

    def run(self, paths: list[str], cwd: str | None = None, base: Any = None) -> RunResult:
        started = time.perf_counter()
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, 10_000))
        try:
            cache = functools.cache(lambda: self._cache(paths, cwd)) if self.settings.cache else None
            try:
                disc = discover(paths, self.settings, cwd, known=functools.partial(_known, cache) if cache else None)
                files, context = self.load(disc, cache)
                repo = Repo(disc.root, files, self.settings, base=base, context=context)
                result = self.check(repo)
            except CacheCorrupt:
                # the cache index holds what eksa-lint did not write: drop it and run without it
                if cache is not None:
                    cache().discard()
                import copy

                again = copy.copy(self)
                again.settings = copy.copy(self.settings)
                again.settings.cache = False
                return again.run(paths, cwd, base)
        finally:
            sys.setrecursionlimit(old_limit)
        result.duration = time.perf_counter() - started
        return result

    def check(self, repo: Repo) -> RunResult:
        # Only the rules that can report in the reported files: a one-file run skips (and does not import) the rest.
        tags = repo.reported_tags
        candidates = load_for(tags)
        rules = [r for r in candidates if self.settings.rule_enabled(r.id, r.name)]
        by_id = {r.id: r for r in candidates}
        findings: list[Finding] = []
        internal = 0
        seen_fp: dict[str, int] = {}

        def add(rule: Rule, v: Violation) -> None:
            if not v.ref.file.reported:
                return  # only reported files' findings are kept (below); do not compose context files' positions
            if CHECK_SCOPES and not in_scope(rule, repo.file_tags(v.ref.file)):
                raise ScopeError(f"{rule.id} reported in {v.ref.file.path}, which holds none of its reports_on "
                                 f"{sorted(rule.reports_on or ())} (it has {sorted(repo.file_tags(v.ref.file))})")
            loc = resolve(v.ref)
            raw = fingerprint_source(rule.id, v.ref, v.obj)
            n = seen_fp.get(raw, 0)
            seen_fp[raw] = n + 1
            fp = (raw, n + 1)  # hashed when a reporter asks (text output never does)
            findings.append(
                Finding(
                    rule_id=rule.id,
                    rule_name=rule.name,
                    severity=self.settings.severity_for(rule.id, rule.severity if v.severity is None else v.severity),
                    message=v.message,
                    location=loc,
                    node_path=v.ref.path,
                    obj=v.obj.identity if v.obj is not None else None,
                    fingerprint=fp,
                    related=tuple((resolve(r), msg) for r, msg in v.related),
                    fix=_with_edits(v.fix, v.ref.doc) if v.fix is not None else None,
                )
            )

        # Every enabled rule, also those out of this run's scope: a suppression naming one is unused here too.
        names = rule_names()
        enabled = {rid for rid, name in names.items() if self.settings.rule_enabled(rid, name)}
        for rule in rules:
            if rule.engine or (rule.needs_base and not repo.has_base):
                continue
            try:
                for v in rule.check(repo):
                    add(rule, v)
            except (CacheCorrupt, ScopeError):
                raise  # not the rule's fault: the run starts again without the cache; or a wrong declaration
            except Exception as exc:  # noqa: BLE001 - a crashing rule must not stop the run
                internal += 1
                tb = exc.__traceback__
                obj = _culprit(tb)
                import traceback

                where = traceback.extract_tb(tb)[-1] if tb else None
                site = f" ({os.path.basename(where.filename)}:{where.lineno})" if where else ""
                msg = (
                    f"rule {rule.id} ({rule.name}) crashed{' on ' + obj.identity.display() if obj else ''}: "
                    f"{type(exc).__name__}: {exc}{site}; its other findings may be missing. Please report this."
                )
                if obj is not None:
                    ref = obj.ref(("kind",))
                elif repo.loaded:
                    ref = Ref(next((f for f in repo.loaded if f.reported), repo.loaded[0]), None, (), "value", 1, 1)
                else:
                    continue
                ierr = by_id.get(INTERNAL_ERROR)
                if ierr is not None:
                    add(ierr, Violation(ref, msg, obj))

        # Loader problems (EKSA001-007) and objects without type meta (EKSA006) come from the files themselves.
        for f in repo.reported_files:
            for p in f.problems:
                rule = by_id.get(p.rule_id)
                if rule is None or rule.id not in enabled:
                    continue
                ref = Ref(f, None, (), "value", p.line, p.col, p.end_col if p.end_line in (None, p.line) else None)
                add(rule, Violation(ref, p.message))
        if "EKSA006" in enabled:
            rule = by_id["EKSA006"]
            for doc in (d for f in repo.reported_files for d in f.documents):
                d = doc.data
                if isinstance(d, dict) and ("metadata" in d or "spec" in d):
                    missing = [k for k in ("apiVersion", "kind") if not isinstance(d.get(k), str) or not d.get(k)]
                    if missing:
                        anchor = ("metadata",) if "metadata" in d else ("spec",)
                        add(
                            rule,
                            Violation(
                                Ref(doc.file, doc, anchor),
                                f"document has `{anchor[0]}` but no {' or '.join(missing)}: it is not applied "
                                "as a Kubernetes object and nothing here is linted",
                            ),
                        )

        findings = self.apply_config(findings, repo, by_id)
        findings, unused = self.apply_suppressions(findings, repo, enabled, names)
        if UNUSED_SUPPRESSION in enabled:
            rule = by_id[UNUSED_SUPPRESSION]
            for s in unused:
                f = repo.file(s.file)
                if f is None:
                    continue
                ref = Ref(f, None, (), "value", s.line, s.col, s.end_col)
                edits = removal_edits(s, f.text)
                fix = Fix("remove the unused suppression", True, operation=("edits", edits)) if edits else None
                add(rule, Violation(ref, f"unused suppression: no {s.code} finding here to suppress", fix=fix))
            findings = self.apply_config(findings, repo, by_id)
        reported = repo.reported_paths
        findings = [f for f in findings if f.location.path in reported]
        findings.sort(key=Finding.sort_key)
        internal = sum(1 for f in findings if f.rule_id == INTERNAL_ERROR and f.suppressed is None)
        return RunResult(findings, repo.loaded, repo.root, 0.0, rules, repo, internal)

    def apply_config(self, findings: list[Finding], repo: Repo, by_id: dict[str, Rule]) -> list[Finding]:
        s = self.settings
        if not s.per_file_ignores:
            return findings
        return [f for f in findings if not s.ignored_in_file(f.rule_id, f.rule_name, f.location.path)]

    def apply_suppressions(
        self, findings: list[Finding], repo: Repo, enabled: set[str], names: dict[str, str]
    ) -> tuple[list[Finding], list[Suppression]]:
        sups: dict[str, list[Suppression]] = {}
        for f in repo.reported_files:
            if f.kind != "json" and f.text:
                got = parse_comments(f)
                if got:
                    sups[f.path] = got
        obj_sups: dict[tuple[str, str, str | None, str | None], list[Suppression]] = {}
        for o in repo.subjects.objects:  # only reported files' findings are kept
            ann = o.annotations.get(ANNOTATION)
            if not isinstance(ann, str):
                continue
            loc = resolve(o.ref(("metadata", "annotations", ANNOTATION)))
            key = (o.path, o.kind, o.namespace, o.name)
            for code in [c.strip() for c in ann.split(",") if c.strip()]:
                obj_sups.setdefault(key, []).append(
                    Suppression(code, "object", o.path, loc.line, loc.col, loc.end_col, obj_key=key)
                )
        if not sups and not obj_sups:
            return findings, []
        for fd in findings:
            if fd.rule_id == UNUSED_SUPPRESSION:
                continue
            cands = sups.get(fd.location.path, [])
            hit = None
            for s in cands:
                if (s.scope == "file" or s.applies_to == fd.location.line) and s.matches(fd.rule_id, fd.rule_name):
                    hit = s
                    break
            if hit is None and fd.obj is not None:
                key = (fd.location.path, fd.obj.kind, fd.obj.namespace, fd.obj.name)
                for s in obj_sups.get(key, []):
                    if s.matches(fd.rule_id, fd.rule_name):
                        hit = s
                        break
            if hit is not None:
                hit.used = True
                fd.suppressed = hit.justification
        unused: list[Suppression] = []
        for s in [x for v in sups.values() for x in v] + [x for v in obj_sups.values() for x in v]:
            if s.used:
                continue
            code = s.code.upper()
            # Only report codes whose rules ran: an ignored rule's suppression is not known to be unused.
            ran = [rid for rid in enabled if rid.startswith(code)] or [
                rid for rid, name in names.items() if name == s.code.lower() and rid in enabled
            ]
            if s.code.lower() == "all" or ran:
                unused.append(s)
        return findings, unused


def _load_chunk(arg: tuple[list[tuple[str, str, str]], int, bool]) -> list[tuple[Any, ...]]:
    """Worker: load files and return what loading produced as plain data (see eksa_lint.load.file_state)."""
    from eksa_lint.load import file_state

    gc.disable()
    items, max_bytes, docs = arg
    out = []
    for path, abspath, kind in items:
        f = load_file(SourceFile(path, abspath, kind), max_bytes, docs=docs)
        out.append(file_state(f))
    return out


def lint(paths: list[str], settings: Settings | None = None, cwd: str | None = None) -> RunResult:
    """Convenience entry point: lint PATHS with `settings` and return the result."""
    return Engine(settings or Settings()).run(paths, cwd)


def lint_texts(files: Iterable[tuple[str, str]], settings: Settings | None = None) -> RunResult:
    """Lint in-memory files [(relative path, text)] (used by tests and the docs linter)."""
    from eksa_lint.discover import file_kind

    s = settings or Settings()
    loaded = []
    for path, text in files:
        kind = file_kind(path, s) or "text"
        sf = SourceFile(path, path, kind)
        load_file(sf, s.max_bytes, text=text, docs=s.docs)
        loaded.append(sf)
    return Engine(s).check(Repo(".", loaded, s))
