"""The `eksa-lint` command: click commands and options only; the work is in engine, config and report."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from eksa_lint import __version__
from eksa_lint.config import TARGETS, ConfigError, Settings, load_settings
from eksa_lint.findings import Severity
from eksa_lint.report import FORMATS, ReportOptions

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Group(click.Group):
    """Usage errors exit with 2 (click's default too) and never print a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:  # pragma: no cover - interactive
            click.echo("interrupted", err=True)
            sys.exit(130)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="eksa-lint")
def main() -> None:
    """Lint EKS Anywhere networking: cluster configs, NetworkPolicies, Cilium policies and Multus NADs."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "--output-format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: github under GitHub Actions, else text).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: .eksa-lint.yaml or [tool.eksa-lint] in pyproject.toml at the repo root).",
)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help="Which Cilium the clusters run (default: from each cluster's eksaVersion).",
)
@click.option(
    "--fail-level",
    type=click.Choice(["error", "warning", "note"]),
    default=None,
    help="Exit 1 when a finding at or above this severity remains (default: warning).",
)
@click.option(
    "--select", multiple=True, help="Only these rule IDs, prefixes (EKSA3) or names; comma-separated."
)
@click.option("--ignore", multiple=True, help="Skip these rule IDs, prefixes or names; comma-separated.")
@click.option(
    "--crd-dir", multiple=True, type=click.Path(), help="Folder or file of CRDs whose schemas to use."
)
@click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set).")
@click.option("--quiet", "-q", is_flag=True, help="Only findings, no summary.")
@click.option("--show-suppressed", is_flag=True, help="Also show suppressed findings (text).")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes for loading (default: 1).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the context cache (.eksa-lint-cache/).")
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write a report in FORMAT to FILE (repeatable), e.g. --report sarif:eksa-lint.sarif.",
)
@click.option(
    "--statistics", is_flag=True, help="Show the number of findings per rule instead of each finding."
)
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Record the current findings in FILE and exit 0.",
)
@click.option(
    "--base",
    "base_rev",
    default=None,
    metavar="REV",
    help="Compare clusters with this git revision for the change-aware rules (EKSA7xx).",
)
@click.option(
    "--include-docs",
    is_flag=True,
    default=None,
    help="Also lint YAML in Markdown fences and kubectl heredocs in *.md and *.sh files.",
)
def check(
    paths: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    config_path: str | None,
    target: str | None,
    fail_level: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    crd_dir: tuple[str, ...],
    no_color: bool,
    quiet: bool,
    show_suppressed: bool,
    jobs: int | None,
    no_cache: bool,
    reports: tuple[str, ...],
    statistics: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    baseline: str | None,
    write_baseline: str | None,
    base_rev: str | None,
    include_docs: bool | None,
) -> None:
    """Lint PATHS (files or folders; default: the current folder)."""
    from eksa_lint.app import CheckRequest, run_check
    from eksa_lint.discover import find_root

    cwd = os.getcwd()
    plist = list(paths) or ["."]
    for p in plist:
        if not os.path.exists(p):
            raise click.BadParameter(f"no such file or folder: {p}", param_hint="PATHS")
    extra: list[tuple[str, str]] = []
    for r in reports:
        kind, sep, dest = r.partition(":")
        if not sep or kind not in FORMATS or not dest:
            raise click.BadParameter(f"{r!r}: use FORMAT:FILE with FORMAT one of {', '.join(FORMATS)}",
                                     param_hint="--report")  # fmt: skip
        extra.append((kind, dest))
    root, _ = find_root(plist, cwd)
    try:
        settings = load_settings(root, config_path, cache=not no_cache)
    except ConfigError as exc:
        click.echo(f"eksa-lint: config error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    _apply_cli(settings, target, fail_level, select, ignore, crd_dir, jobs)
    if include_docs:
        settings.docs = True
    if no_cache:
        settings.cache = False

    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    to_tty = output is None and sys.stdout.isatty()
    color = to_tty and not no_color and not os.environ.get("NO_COLOR")
    progress = _progress_bar() if sys.stderr.isatty() and not quiet else None
    options = ReportOptions(color=color, show_source=to_tty and fmt == "text", quiet=quiet,
                            show_suppressed=show_suppressed, statistics=statistics)  # fmt: skip
    req = CheckRequest(
        paths=plist, settings=settings, fmt=fmt, output=output, reports=extra, options=options, base=base_rev,
        fix=fix, unsafe_fixes=unsafe_fixes, diff=diff, baseline=baseline, write_baseline=write_baseline,
        cwd=cwd, progress=progress,
    )  # fmt: skip
    try:
        code = run_check(req)
    except ConfigError as exc:
        if progress is not None:
            progress(-1, -1)
        click.echo(f"eksa-lint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    sys.stdout.flush()
    sys.exit(code)


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
    if select:
        settings.select = _split(select)
    if ignore:
        settings.ignore = tuple(settings.ignore) + _split(ignore)
    if crd_dir:
        settings.crds = tuple(settings.crds) + tuple(os.path.abspath(c) for c in crd_dir)
    if jobs:
        settings.jobs = max(1, jobs)


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


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
def rules_cmd(fmt: str) -> None:
    """List every rule: ID, name, default severity and summary."""
    from eksa_lint.registry import all_rules

    rules = all_rules()
    if fmt == "json":
        click.echo(json.dumps([
            {"id": r.id, "name": r.name, "severity": r.severity.label, "summary": r.summary,
             "tags": list(r.tags), "fixable": r.fixable, "help_uri": r.help_uri}
            for r in rules
        ], indent=2))  # fmt: skip
        return
    if fmt == "markdown":
        from eksa_lint.docs import rule_table

        click.echo(rule_table(rules), nl=False)
        return
    w = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.id}  {r.name:<{w}}  {r.severity.label:<7}  {r.summary}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show the full documentation of RULE (an ID such as EKSA404, or a name)."""
    from eksa_lint.registry import get_rule

    r = get_rule(rule)
    if r is None:
        click.echo(f"eksa-lint: unknown rule {rule!r}; `eksa-lint rules` lists them", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(r.documentation(), nl=False)
