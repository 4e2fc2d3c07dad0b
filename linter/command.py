"""The body of `eksa-lint check` once its options are parsed, without click.

Both the click command (linter/cli.py) and the start-up fast path (linter/entry.py) call `run_check_command`
with the dict click would pass to `check(**params)`. Usage errors that click reports (a nonexistent PATH, a
malformed --report) are validated before this is called: by click's `check`, or by the fast path declining.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from eksa_lint.config import ConfigError, Settings, load_settings, unknown_selectors
from eksa_lint.findings import Severity
from eksa_lint.report import ReportOptions

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

def echo_err(message: str) -> None:
    """Write `message` and a newline to stderr exactly as click.echo(message, err=True) does."""
    out = message + "\n"
    stream = sys.stderr
    if stream is None:
        return
    if "\033" in out:
        try:
            tty = stream.isatty()
        except Exception:  # noqa: BLE001 - as click's isatty()
            tty = False
        if not tty:  # click.echo strips ANSI sequences off a terminal (click._compat._ansi_re)
            import re

            out = re.sub(r"\033\[[0-?]*[ -/]*[@-~]", "", out)
    stream.write(out)
    stream.flush()


def run_check_command(params: dict[str, Any]) -> None:
    """Run `check` with click's parsed params (see cli.check for their meaning); exits with the code."""
    from eksa_lint.app import CheckRequest, run_check
    from eksa_lint.discover import find_root

    no_cache = params["no_cache"]
    quiet = params["quiet"]
    output = params["output"]
    cwd = os.getcwd()
    plist = list(params["paths"]) or ["."]
    extra = [(kind, dest) for kind, _, dest in (r.partition(":") for r in params["reports"])]
    root, _ = find_root(plist, cwd)
    try:
        settings = load_settings(root, params["config_path"], cache=not no_cache)
    except ConfigError as exc:
        echo_err(f"eksa-lint: config error: {exc}")
        sys.exit(EXIT_ERROR)
    try:
        _apply_cli(settings, params["target"], params["fail_level"], params["select"], params["ignore"],
                   params["crd_dir"], params["jobs"])  # fmt: skip
    except ConfigError as exc:
        echo_err(f"eksa-lint: error: {exc}")
        sys.exit(EXIT_ERROR)
    if params["include_docs"]:
        settings.docs = True
    if no_cache:
        settings.cache = False

    fmt = params["fmt"]
    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    to_tty = output is None and sys.stdout.isatty()
    color = to_tty and not params["no_color"] and not os.environ.get("NO_COLOR")
    progress = _progress_bar() if sys.stderr.isatty() and not quiet else None
    options = ReportOptions(color=color, show_source=to_tty and fmt == "text", quiet=quiet,
                            show_suppressed=params["show_suppressed"], statistics=params["statistics"])  # fmt: skip
    req = CheckRequest(
        paths=plist, settings=settings, fmt=fmt, output=output, reports=extra, options=options,
        base=params["base_rev"], fix=params["fix"], unsafe_fixes=params["unsafe_fixes"], diff=params["diff"],
        baseline=params["baseline"], write_baseline=params["write_baseline"], cwd=cwd, progress=progress,
    )  # fmt: skip
    try:
        code = run_check(req)
    except ConfigError as exc:
        if progress is not None:
            progress(-1, -1)
        echo_err(f"eksa-lint: error: {exc}")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:  # the same on both paths (click would print "Aborted!" and exit 1)
        if progress is not None:
            progress(-1, -1)
        echo_err("interrupted")
        sys.exit(130)
    sys.stdout.flush()
    sys.exit(code)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


def _apply_cli(
    settings: Settings,
    target: str | None,
    fail_level: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    crd_dir: tuple[str, ...],
    jobs: int | None,
) -> None:
    if target:
        settings.target = target
    if fail_level:
        settings.fail_level = Severity.parse(fail_level)
    for option, given in (("--select", select), ("--ignore", ignore)):
        bad = unknown_selectors(_split(given)) if given else []
        if bad:
            raise ConfigError(f"{option}: {bad[0]!r} is no rule ID, prefix or name; `eksa-lint rules` lists them")
    if select:
        settings.select = _split(select)
    if ignore:
        settings.ignore = tuple(settings.ignore) + _split(ignore)
    if crd_dir:
        settings.crds = tuple(settings.crds) + tuple(os.path.abspath(c) for c in crd_dir)
    if jobs is not None:
        if jobs < 1:
            raise ConfigError(f"--jobs: {jobs} is not a number of processes; use 1 or more")
        settings.jobs = jobs


def _progress_bar() -> Any:
    """A progress callback that draws on stderr once loading has taken more than a second."""
    import time

    start = time.perf_counter()
    drawn = [False]

    def update(done: int, total: int) -> None:
        if done < 0:
            if drawn[0]:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
            return
        if time.perf_counter() - start < 1.0 or total <= 0:
            return
        drawn[0] = True
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        sys.stderr.flush()

    return update
