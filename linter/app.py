"""One `eksa-lint check` run, end to end: base revision, engine, fixes, baseline, reports, exit code.

The CLI parses options into a CheckRequest and calls `run_check`; everything here is testable without click.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, TextIO

from eksa_lint.config import ConfigError, Settings
from eksa_lint.engine import Engine, RunResult
from eksa_lint.record import Record
from eksa_lint.report import ReportOptions, get_reporter

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
MAX_FIX_PASSES = 10


class CheckRequest(Record):
    _fields = (
        "paths", "settings", "fmt", "output", "reports", "options", "base", "fix", "unsafe_fixes", "diff",
        "baseline", "write_baseline", "cwd", "progress",
    )
    __slots__ = _fields

    def __init__(
        self,
        paths: list[str],
        settings: Settings,
        fmt: str = "text",
        output: str | None = None,
        reports: list[tuple[str, str]] | None = None,  # extra (format, file) outputs
        options: ReportOptions | None = None,
        base: str | None = None,
        fix: bool = False,
        unsafe_fixes: bool = False,
        diff: bool = False,
        baseline: str | None = None,
        write_baseline: str | None = None,
        cwd: str | None = None,
        progress: Any = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.fmt = fmt
        self.output = output
        self.reports = [] if reports is None else reports
        self.options = ReportOptions() if options is None else options
        self.base = base
        self.fix = fix
        self.unsafe_fixes = unsafe_fixes
        self.diff = diff
        self.baseline = baseline
        self.write_baseline = write_baseline
        self.cwd = cwd
        self.progress = progress


def _write_report(fmt: str, result: RunResult, options: ReportOptions, out: TextIO | None, path: str | None) -> None:
    reporter = get_reporter(fmt)
    if path:
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                reporter(result, fh, options)
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        reporter(result, out or sys.stdout, options)


def _fix_passes(engine: Engine, result: RunResult, unsafe: bool, base_repo: Any
                ) -> tuple[RunResult, dict[str, str], int]:
    """Apply fixes in memory, re-linting after each pass (a fix can make another one possible, and
    overlapping fixes wait for the next pass), until nothing is left to fix."""
    from eksa_lint import fix as fix_mod
    from eksa_lint.load import load_file
    from eksa_lint.load.source import SourceFile
    from eksa_lint.model import Repo

    originals: dict[str, str] = {}
    total = 0
    duration = result.duration
    for _ in range(MAX_FIX_PASSES):
        todo = fix_mod.plan(result.findings, result.files, unsafe)
        if not todo:
            break
        files = list(result.files)
        for i, f in enumerate(files):
            if f.path in todo:
                old, new, count = todo[f.path]
                originals.setdefault(f.path, old)
                total += count
                fresh = SourceFile(f.path, f.abspath, f.kind, reported=f.reported)
                load_file(fresh, engine.settings.max_bytes, text=new, docs=engine.settings.docs)
                files[i] = fresh
        context = result.repo.context if result.repo is not None else None
        result = engine.check(Repo(result.root, files, engine.settings, base=base_repo, context=context))
    result.duration = duration
    return result, originals, total


def run_check(req: CheckRequest, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one check; returns the exit code. Raises ConfigError for configuration/usage problems."""
    from eksa_lint.discover import find_root

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    cwd = req.cwd or os.getcwd()
    s = req.settings
    if s.crds:  # an unreadable user CRD is a configuration error (exit 2), not a rule crash
        from eksa_lint.schema import user_crd_schemas

        user_crd_schemas(tuple(s.crds))
    root, in_git = find_root(req.paths, cwd)
    base_repo: Any = None
    if req.base == "HEAD" and in_git:
        # The pre-commit hook passes --base HEAD on every commit: in a work tree HEAD always resolves (to a
        # commit, or to nothing before the first commit), so resolve it only if a change-aware rule asks
        # (it does when a Cluster is reported), saving a git process in every other run.
        from eksa_lint.gitbase import load_commit, resolve_base

        def head() -> Any:
            commit = resolve_base(root, "HEAD")
            return None if commit is None else load_commit(root, "HEAD", commit, s)

        base_repo = functools.cache(head)
    elif req.base:
        from eksa_lint.gitbase import BaseRevisionError, load_commit, resolve_base

        try:
            commit = resolve_base(root, req.base)
        except BaseRevisionError as exc:
            raise ConfigError(str(exc)) from None
        if commit is not None:
            # Read at the base only if a change-aware rule asks (it does when a Cluster is reported): the
            # pre-commit hook passes --base HEAD on every commit.
            rev = req.base
            base_repo = functools.cache(lambda: load_commit(root, rev, commit, s))  # once, even over fix passes
    engine = Engine(s, progress=req.progress)
    result = engine.run(req.paths, cwd, base=base_repo)
    if req.progress is not None:
        req.progress(-1, -1)

    if req.fix or req.diff:
        result, originals, fixed_total = _fix_passes(engine, result, req.unsafe_fixes, base_repo)
        current = {f.path: f for f in result.files}
        if req.diff:
            from eksa_lint import fix as fix_mod

            for path, old in sorted(originals.items()):
                stdout.write(fix_mod.unified_diff(path, old, current[path].text))
            stderr.write(f"{fixed_total} fix{'es' * (fixed_total != 1)} available (not applied: --diff)\n")
            return EXIT_FINDINGS if fixed_total else EXIT_CLEAN
        for path in sorted(originals):
            with open(current[path].abspath, "w", encoding="utf-8", newline="") as fh:
                fh.write(current[path].text)
        if fixed_total:
            stderr.write(f"Fixed {fixed_total} finding{'s' * (fixed_total != 1)}.\n")

    if req.write_baseline:
        from eksa_lint import baseline as baseline_mod

        try:
            n = baseline_mod.write(result.findings, os.path.join(cwd, req.write_baseline))
        except OSError as exc:
            raise ConfigError(f"cannot write {req.write_baseline}: {exc.strerror or exc}") from None
        stderr.write(f"Wrote {n} finding{'s' * (n != 1)} to {req.write_baseline}.\n")
        return EXIT_CLEAN
    bl = req.baseline or s.baseline
    if bl:
        bl_path = bl if os.path.isabs(bl) else os.path.join(cwd if req.baseline else root, bl)
        from eksa_lint import baseline as baseline_mod

        entries = baseline_mod.read(bl_path)
        shown = os.path.relpath(bl_path, root).replace(os.sep, "/")
        reported = {f.path for f in result.files if f.reported}
        rules_run = {r.id for r in result.rules}
        result.findings = baseline_mod.apply(result.findings, entries, shown, reported, rules_run)

    _write_report(req.fmt, result, req.options, stdout, req.output)
    for fmt, path in req.reports:
        _write_report(fmt, result, ReportOptions(), None, path)
    return result.exit_code(s.fail_level)
