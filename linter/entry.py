"""The installed `eksa-lint` entry point: a click-free fast path for `check`, click for everything else.

Importing click costs 25-35 ms of a ~190 ms one-file pre-commit run. The CLI stays defined once, with click,
in linter/cli.py; `parse_check` below parses the common `check` invocations itself from `CHECK_PARAMS`, a plain
copy of click's declaration of `check`, and returns the very dict click would pass to `check(**params)`. For
anything else, or anything it is not sure of (help, an unknown option, a value click would reject, a usage
error), it returns None and click parses the command line as before, so the messages stay click's.
tests/test_entry.py derives CHECK_PARAMS from click's `check.params` and compares parse_check with click's own
parse, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# click's declaration of `check` (linter/cli.py) as data, in declaration order:
# (name, opts, kind, multiple, type, default). kind is "argument" (nargs=-1), "flag" (is_flag: True when
# given) or "value" (one value); type is "str", "int", ("choice", choices) or ("path", Path flags).
_PATH = {"exists": False, "file_okay": True, "dir_okay": True, "readable": True, "writable": False,
         "executable": False, "resolve_path": False, "allow_dash": False, "type": None}  # fmt: skip
_FILE = {**_PATH, "dir_okay": False}
_FORMATS = ("text", "json", "sarif", "github", "junit")
CHECK_PARAMS: tuple[tuple[str, tuple[str, ...], str, bool, Any, Any], ...] = (
    ("paths", (), "argument", False, ("path", _PATH), ()),
    ("fmt", ("--format", "--output-format"), "value", False, ("choice", _FORMATS), None),
    ("output", ("--output", "-o"), "value", False, ("path", {**_FILE, "writable": True}), None),
    ("config_path", ("--config",), "value", False, ("path", _FILE), None),
    ("target", ("--target",), "value", False,
     ("choice", ("eksa-default", "eksa-aws", "cilium-oss", "cilium-enterprise")), None),
    ("fail_level", ("--fail-level",), "value", False, ("choice", ("error", "warning", "note")), None),
    ("select", ("--select",), "value", True, "str", ()),
    ("ignore", ("--ignore",), "value", True, "str", ()),
    ("crd_dir", ("--crd-dir",), "value", True, ("path", _PATH), ()),
    ("no_color", ("--no-color",), "flag", False, "bool", False),
    ("quiet", ("--quiet", "-q"), "flag", False, "bool", False),
    ("show_suppressed", ("--show-suppressed",), "flag", False, "bool", False),
    ("jobs", ("--jobs", "-j"), "value", False, "int", None),
    ("no_cache", ("--no-cache",), "flag", False, "bool", False),
    ("reports", ("--report",), "value", True, "str", ()),
    ("statistics", ("--statistics",), "flag", False, "bool", False),
    ("fix", ("--fix",), "flag", False, "bool", False),
    ("unsafe_fixes", ("--unsafe-fixes",), "flag", False, "bool", False),
    ("diff", ("--diff",), "flag", False, "bool", False),
    ("baseline", ("--baseline",), "value", False, ("path", _FILE), None),
    ("write_baseline", ("--write-baseline",), "value", False, ("path", _FILE), None),
    ("base_rev", ("--base",), "value", False, "str", None),
    ("include_docs", ("--include-docs",), "flag", False, "bool", None),
)  # fmt: skip
# --report FORMAT:FILE takes the formats of --format (cli.check validates both against report.FORMATS)
REPORT_FORMATS = _FORMATS


def _path_ok(value: str, flags: dict[str, Any]) -> bool:
    """Whether click.Path(**flags) accepts `value` (click.types.Path.convert), for the flags we declare."""
    try:
        st = os.stat(value)
    except OSError:
        return True  # a path that does not exist (none of ours has exists=True)
    import stat

    if not flags["dir_okay"] and stat.S_ISDIR(st.st_mode):
        return False
    if flags["readable"] and not os.access(value, os.R_OK):
        return False
    return not (flags["writable"] and not os.access(value, os.W_OK))


def _convert(value: str, kind: Any) -> tuple[bool, Any]:
    if kind == "str":
        return True, value
    if kind == "int":
        try:
            return True, int(value)  # what click.INT does
        except ValueError:
            return False, None
    if kind[0] == "choice":
        return value in kind[1], value
    return _path_ok(value, kind[1]), value


def parse_check(argv: list[str]) -> dict[str, Any] | None:
    """The params click would pass to `check(**params)` for `eksa-lint ARGV`, or None to let click parse it.

    Returns None for anything but a `check` that click parses without error and that passes cli.check's own
    validation (existing PATHS, --report FORMAT:FILE).
    """
    if not argv or argv[0] != "check":
        return None
    long: dict[str, tuple] = {}
    short: dict[str, tuple] = {}
    for spec in CHECK_PARAMS:
        for opt in spec[1]:
            (long if opt[:2] == "--" else short)[opt] = spec
    given: dict[str, list[str]] = {}
    flags: dict[str, bool] = {}
    paths: list[str] = []
    args = argv[1:]
    n = len(args)
    i = 0
    while i < n:
        arg = args[i]
        i += 1
        if arg == "--":
            paths.extend(args[i:])
            break
        if arg[:1] != "-" or arg == "-":
            paths.append(arg)  # click allows PATHS between options
            continue
        if arg[:2] == "--":
            opt, eq, value = arg.partition("=")
            spec = long.get(opt)
            if spec is None:
                return None
            if spec[2] == "flag":
                if eq:
                    return None  # click: option does not take a value
                flags[spec[0]] = True
                continue
            if not eq:
                if i >= n:
                    return None
                value = args[i]
                i += 1
        else:
            spec = short.get(arg[:2])
            if spec is None:
                return None
            if spec[2] == "flag":
                if len(arg) > 2:
                    return None  # combined short options (-qj2): leave them to click
                flags[spec[0]] = True
                continue
            if len(arg) > 2:
                value = arg[2:]
            else:
                if i >= n:
                    return None
                value = args[i]
                i += 1
        if value[:1] == "-":
            return None  # a value that looks like an option: click takes it, but a typo is likelier
        given.setdefault(spec[0], []).append(value)

    params: dict[str, Any] = {}
    for name, _opts, kind, multiple, vtype, default in CHECK_PARAMS:
        if kind == "argument":
            values = paths
        elif kind == "flag":
            params[name] = True if flags.get(name) else default
            continue
        else:
            values = given.get(name, [])
            if not values:
                params[name] = default
                continue
            if not multiple:
                values = values[-1:]  # click keeps the last of a repeated option
        out = []
        for v in values:
            ok, conv = _convert(v, vtype)
            if not ok:
                return None
            out.append(conv)
        params[name] = tuple(out) if kind == "argument" or multiple else out[0]

    # cli.check's own usage errors
    for p in params["paths"] or (".",):
        if not os.path.exists(p):
            return None
    for r in params["reports"]:
        kind, sep, dest = r.partition(":")
        if not sep or kind not in REPORT_FORMATS or not dest:
            return None
    return params


def _fast_path_possible() -> bool:
    """Conditions outside ARGV under which click would act differently from the fast path."""
    if os.name == "nt":  # click expands globs, ~ and variables in sys.argv on Windows
        return False
    for key, value in os.environ.items():  # shell completion (_EKSA_LINT_COMPLETE=...)
        if value and key[:1] == "_" and key.endswith("_COMPLETE"):
            return False
    # click.echo re-wraps a stderr whose encoding is ASCII (click._compat._stream_is_misconfigured)
    import codecs  # already imported by the interpreter

    try:
        return codecs.lookup(getattr(sys.stderr, "encoding", None) or "ascii").name != "ascii"
    except LookupError:
        return True


class _PacifyFlushWrapper:
    """click.utils._PacifyFlushWrapper: ignores EPIPE when the interpreter flushes a broken stdout at exit."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as e:
            import errno

            if e.errno != errno.EPIPE:
                raise

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.wrapped, attr)


def main() -> None:
    """The console script: run, then end the process without the interpreter's teardown.

    A run holds the model of the whole repo; freeing it object by object at exit took ~30 ms of a ~150 ms
    one-file run at 10,000 files. Everything a run writes is closed by then (reports, the cache), so only the
    standard streams need flushing before `os._exit`. Tests call cli.main and `_main` in-process instead."""
    try:
        _main()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # noqa: BLE001 - a bug of ours: exit 2 (internal error), never 1 (findings)
        code = _internal_error(exc)
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"), as the interpreter reports it
        try:
            print(code, file=sys.stderr)
        except (OSError, ValueError):
            pass
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more can be said there
            pass
    os._exit(code & 0xFF if code >= 0 else 1)


def _internal_error(exc: BaseException) -> int:
    """Say that eksa-lint itself failed, where, and how to get the traceback; the exit code for it (2).

    Rule crashes never get here (the engine reports them as EKSA009 and goes on); this is the last resort for
    a bug anywhere else, so that CI reads "internal error" and not "findings"."""
    import traceback

    if os.environ.get("EKSA_LINT_DEBUG"):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (in {frames[-1].name}, {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
    hint = "" if os.environ.get("EKSA_LINT_DEBUG") else "; set EKSA_LINT_DEBUG=1 for the traceback"
    try:
        print(f"eksa-lint: internal error: {type(exc).__name__}: {exc}{where}{hint}. This is a bug in eksa-lint: "
              "please report it with the command line.", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return 2


def _main() -> None:
    params = parse_check(sys.argv[1:]) if _fast_path_possible() else None
    if params is None:
        from eksa_lint.cli import main as click_main

        click_main()
        return
    from eksa_lint.command import run_check_command

    try:
        run_check_command(params)
    except KeyboardInterrupt:  # during start-up (run_check_command handles it in the run)
        from eksa_lint.command import echo_err

        echo_err("interrupted")
        sys.exit(130)
    except OSError as e:  # as click.BaseCommand.main: a closed stdout (`eksa-lint check | head`) exits 1
        import errno

        if e.errno != errno.EPIPE:
            raise
        sys.stdout = _PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = _PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        sys.exit(1)
