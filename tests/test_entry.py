"""The click-free start-up path (linter/entry.py): its option table is click's declaration of `check`, it parses
exactly as click does or declines, a run through it prints what a run through click prints, without importing
click, and everything else still goes to click."""

from __future__ import annotations

import errno
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from eksa_lint import cli, entry
from eksa_lint.cli import check
from eksa_lint.entry import CHECK_PARAMS, parse_check
from eksa_lint.report import FORMATS

from tests.conftest import write_tree

CLEAN_NP = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""
DUP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
ENV = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")}


# --- the table is click's declaration -----------------------------------------------------------------------


def _type_spec(t: click.ParamType) -> Any:
    if isinstance(t, click.Choice):
        return ("choice", tuple(t.choices))
    if isinstance(t, click.Path):
        return ("path", {k: v for k, v in vars(t).items() if k != "name"})
    kinds = {click.types.IntParamType: "int", click.types.StringParamType: "str", click.types.BoolParamType: "bool"}
    if type(t) in kinds:  # exactly: not IntRange, which would check bounds
        return kinds[type(t)]
    raise AssertionError(f"parse_check does not know click type {t!r}; teach linter/entry.py")


def _click_table() -> tuple:
    absent = check.make_context("check", []).params  # what click passes for an option not given
    rows = []
    for p in check.params:
        # what parse_check does not model must stay out of the declaration
        assert (p.envvar, p.callback, p.is_eager, p.expose_value, p.required) == (None, None, False, True, False), p
        assert not p.secondary_opts, p
        if isinstance(p, click.Argument):
            assert p.nargs == -1 and not p.multiple, p
            kind = "argument"
            opts: tuple[str, ...] = ()
        else:
            assert isinstance(p, click.Option) and p.nargs == 1 and not p.count and p.prompt is None, p
            kind = "flag" if p.is_flag else "value"
            opts = tuple(p.opts)
        rows.append((p.name, opts, kind, p.multiple, _type_spec(p.type), absent[p.name]))
    return tuple(rows)


def test_table_is_clicks_declaration_of_check() -> None:
    assert _click_table() == CHECK_PARAMS
    assert entry.REPORT_FORMATS == FORMATS
    # parse_check's assumptions about click: interspersed PATHS, no unknown options, flags give True
    assert check.allow_interspersed_args and not check.ignore_unknown_options and not check.context_settings
    for name, opts, kind, *_ in CHECK_PARAMS:
        if kind == "flag":
            for opt in opts:
                assert check.make_context("check", [opt]).params[name] is True
        if kind == "value" or kind == "argument":
            spec = next(p for p in check.params if p.name == name).type
            if isinstance(spec, click.Path):  # _path_ok implements these flags only
                assert not spec.exists and spec.file_okay and not spec.executable and not spec.resolve_path
                assert not spec.allow_dash and spec.type is None


# --- parse_check parses as click does, or declines ------------------------------------------------------------


def _click_params(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
    """The params click passes on to the shared body for `eksa-lint ARGV` (through the group and cli.check's
    own validation), or None when click stops before it (usage error, help, version)."""
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(cli, "run_check_command", lambda params: seen.append(dict(params)))
    res = CliRunner().invoke(cli.main, argv, prog_name="eksa-lint", catch_exceptions=False)
    if seen:
        assert res.exit_code == 0
        return seen[0]
    assert res.exit_code != 0 or "--help" in argv or "-h" in argv or "--version" in argv, (argv, res.output)
    return None


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {"a.yaml": CLEAN_NP, "b.yaml": DUP, "sub/c.yaml": CLEAN_NP, "-dash.yaml": CLEAN_NP,
                          "cfg.yaml": "fail-level: error\n"})  # fmt: skip
    monkeypatch.chdir(tmp_path)
    return tmp_path


HAND_PICKED = [
    ["check"],
    ["check", "a.yaml"],
    ["check", "--base", "HEAD", "a.yaml", "b.yaml"],
    ["check", "a.yaml", "--format", "json", "b.yaml", "-q"],
    ["check", "--format=sarif", "--output=out.sarif", "sub"],
    ["check", "--output-format", "junit", "-o", "out.xml", "."],
    ["check", "-oout.txt", "-j2", "a.yaml"],
    ["check", "-j", "3", "--jobs=4", "a.yaml"],  # the last of a repeated option
    ["check", "--jobs", " 5 ", "a.yaml"],  # int() as click.INT
    ["check", "--select", "EKSA1,EKSA2", "--select=policy", "--ignore", "EKSA404", "a.yaml"],
    ["check", "--crd-dir", "sub", "--crd-dir=a.yaml", "--crd-dir", "missing-crds", "a.yaml"],
    ["check", "--report", "sarif:o.sarif", "--report=json:o.json", "a.yaml"],
    ["check", "--report", "json:a:b", "a.yaml"],
    ["check", "--no-color", "--quiet", "--show-suppressed", "--no-cache", "--statistics", "a.yaml"],
    ["check", "--fix", "--unsafe-fixes", "--diff", "--include-docs", "a.yaml"],
    ["check", "--baseline", "bl.json", "--write-baseline", "new.json", "--config", "cfg.yaml", "a.yaml"],
    ["check", "--target", "cilium-oss", "--fail-level", "note", "a.yaml"],
    ["check", "--", "-dash.yaml", "a.yaml"],
    ["check", "a.yaml", "--"],
    ["check", "-o=out.txt", "a.yaml"],  # click: -o with the value "=out.txt"
    ["check", "--base", "", "--select=", "a.yaml"],
    ["check", "--output", "", "a.yaml"],
]
MUST_DECLINE = [
    [],
    ["rules"],
    ["explain", "EKSA404"],
    ["--version"],
    ["--help"],
    ["check", "--help"],
    ["check", "-h"],
    ["check", "--version"],
    ["check", "--nope", "a.yaml"],
    ["check", "-x", "a.yaml"],
    ["check", "--form", "json", "a.yaml"],  # click does not complete abbreviations
    ["check", "--format", "xml", "a.yaml"],
    ["check", "--format", "JSON", "a.yaml"],
    ["check", "--target", "cilium", "a.yaml"],
    ["check", "--fail-level=loud", "a.yaml"],
    ["check", "--jobs", "two", "a.yaml"],
    ["check", "-j2.5", "a.yaml"],
    ["check", "a.yaml", "--jobs"],
    ["check", "a.yaml", "-o"],
    ["check", "--quiet=yes", "a.yaml"],
    ["check", "missing.yaml"],
    ["check", "a.yaml", "missing.yaml"],
    ["check", "-dash.yaml"],
    ["check", "-"],
    ["check", "--", "missing.yaml"],
    ["check", "--report", "sarif", "a.yaml"],
    ["check", "--report", "xml:o.xml", "a.yaml"],
    ["check", "--report", "json:", "a.yaml"],
    ["check", "-o", "sub", "a.yaml"],
    ["check", "--config", "sub", "a.yaml"],
    ["check", "--baseline=sub", "a.yaml"],
    ["check", "--write-baseline", "sub", "a.yaml"],
]
# click accepts these, but the fast path leaves them to click: a value that looks like an option is more likely
# a mistake, and combined short options are rare
CAUTIOUS = [
    ["check", "--output", "--quiet", "a.yaml"],
    ["check", "--base=-x", "a.yaml"],
    ["check", "-qj2", "a.yaml"],
    ["check", "-j", "-1", "a.yaml"],
]

_VALUES = {
    "--format": ["text", "json", "sarif", "github", "junit", "xml"],
    "--output-format": ["json", "text"],
    "--output": ["out.txt", "a.yaml", "sub", "deep/none.txt"],
    "-o": ["out.txt", "sub"],
    "--config": ["cfg.yaml", "none.yaml", "sub"],
    "--target": ["eksa-default", "eksa-aws", "cilium-oss", "cilium-enterprise", "oss"],
    "--fail-level": ["error", "warning", "note", "info"],
    "--select": ["EKSA1", "EKSA404,policy", ""],
    "--ignore": ["EKSA002", "nad"],
    "--crd-dir": ["sub", "a.yaml", "nope"],
    "--jobs": ["1", "4", "0", "x", "+2"],
    "-j": ["2", "y"],
    "--report": ["sarif:r.sarif", "json:r.json", "junit:r.xml", "bad", "xml:r.xml", "text:"],
    "--baseline": ["bl.json", "sub"],
    "--write-baseline": ["wb.json"],
    "--base": ["HEAD", "main~1"],
}
_FLAGS = ["--no-color", "--quiet", "-q", "--show-suppressed", "--no-cache", "--statistics", "--fix",
          "--unsafe-fixes", "--diff", "--include-docs"]  # fmt: skip
_PATHS = ["a.yaml", "b.yaml", "sub", "sub/c.yaml", ".", "missing.yaml"]


def _generated(n: int, seed: int = 20261125) -> list[list[str]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        argv = ["check"]
        for _ in range(rnd.randint(0, 7)):
            r = rnd.random()
            if r < 0.3:
                argv.append(rnd.choice(_PATHS if rnd.random() < 0.9 else [str(Path("sub").resolve()), "-"]))
            elif r < 0.55:
                argv.append(rnd.choice(_FLAGS))
            elif r < 0.97:
                opt = rnd.choice(sorted(_VALUES))
                value = rnd.choice(_VALUES[opt])
                if opt.startswith("--") and rnd.random() < 0.3:
                    argv.append(f"{opt}={value}")
                elif not opt.startswith("--") and rnd.random() < 0.5:
                    argv.append(opt + value)
                else:
                    argv += [opt, value]
            else:
                argv.append(rnd.choice(["--nope", "-qj2", "--help", "-jq", "--quiet=1"]))
        if rnd.random() < 0.1:
            argv += ["--", rnd.choice(["-dash.yaml", "a.yaml", "--quiet"])]
        out.append(argv)
    return out


def test_parse_check_agrees_with_click(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = 0
    cases = HAND_PICKED + _generated(400)
    for argv in cases:
        ours = parse_check(argv)
        if ours is None:
            continue
        fast += 1
        assert ours == _click_params(argv, monkeypatch), argv
        assert ours == check.make_context("check", list(argv[1:])).params, argv
    for argv in HAND_PICKED:
        assert parse_check(argv) is not None, argv
    assert fast > len(cases) // 3  # the generated command lines are mostly ones the fast path takes


def test_parse_check_declines(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for argv in MUST_DECLINE:
        assert parse_check(argv) is None, argv
        if argv[:1] == ["check"]:
            assert _click_params(argv, monkeypatch) is None, argv  # each is a usage error or help for click
    for argv in CAUTIOUS:
        assert parse_check(argv) is None and _click_params(argv, monkeypatch) is not None, argv


def test_unreadable_or_unwritable_paths_decline(tree: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may read and write anything")
    (tree / "ro.txt").write_text("x")
    (tree / "ro.txt").chmod(0o444)
    assert parse_check(["check", "-o", "ro.txt", "a.yaml"]) is None
    assert parse_check(["check", "--config", "ro.txt", "a.yaml"]) is not None


# --- running through the fast path is running through click, minus click ---------------------------------------


def _run(args: list[str], cwd: Path, via: str, extra_env: dict[str, str] | None = None,
         **kw: Any) -> subprocess.CompletedProcess[str]:  # fmt: skip
    if via == "entry":
        cmd = [sys.executable, "-m", "eksa_lint", *args]
    else:
        cmd = [sys.executable, "-c", "import sys; sys.argv[0] = 'eksa-lint'; from eksa_lint.cli import main; main()",
               *args]  # fmt: skip
    kw = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.run(cmd, cwd=cwd, env={**ENV, **(extra_env or {})}, text=True, timeout=120, check=False,
                          **kw)  # fmt: skip


def _same(proc: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    def norm(text: str) -> str:
        return re.sub(r"checked in \d+\.\d\d s", "checked in T s", text)

    return proc.returncode, norm(proc.stdout), norm(proc.stderr)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"policies/np.yaml": CLEAN_NP, "policies/dup.yaml": DUP, "bad/.eksa-lint.yaml": "x: [\n",
                          "bad/a.yaml": CLEAN_NP})  # fmt: skip
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["check", "policies/np.yaml"],
        ["check", "--base", "HEAD", "policies/np.yaml"],
        ["check", "policies/dup.yaml"],
        ["check", "--base", "HEAD", "policies/np.yaml", "policies/dup.yaml"],
        ["check", "-q", "--format", "github", "policies"],
        ["check", "--statistics", "--no-cache", "policies/dup.yaml"],
        ["check", "bad/a.yaml"],  # config error: printed by the shared body
        ["check", "--config", "none.yaml", "policies/np.yaml"],
        ["check", "--base", "no-such-rev", "policies/np.yaml"],  # a ConfigError out of run_check
    ],
)
def test_fast_path_output_is_clicks(repo: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert parse_check(args) is not None
    fast = _run(args, repo, "entry")
    assert "Traceback" not in fast.stderr
    assert _same(fast) == _same(_run(args, repo, "click"))
    # ... and click was not imported: -X importtime lists every module imported
    timed = _run(args, repo, "entry", {"PYTHONPROFILEIMPORTTIME": "1"})
    modules = {line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines() if line.startswith("import time:")}
    assert "eksa_lint.command" in modules and "eksa_lint.entry" in modules
    assert not {m for m in modules if m == "click" or m.startswith("click.")}
    assert "eksa_lint.cli" not in modules


def test_fast_path_finding_and_clean_exit_codes(repo: Path) -> None:
    assert _run(["check", "policies/np.yaml"], repo, "entry").returncode == 0
    proc = _run(["check", "policies/dup.yaml"], repo, "entry")
    assert proc.returncode == 1 and proc.stdout.startswith("policies/dup.yaml:5:3: EKSA002 [error]")


# --- everything else still goes to click ---------------------------------------------------------------------


def test_help_falls_back_to_click(repo: Path) -> None:
    proc = _run(["check", "--help"], repo, "entry")
    # what `python -m eksa_lint` ran before the fast path: cli.main, naming itself after the module
    before = subprocess.run([sys.executable, "-c", "from eksa_lint.cli import main; main(prog_name='python -m eksa_lint')",
                             "check", "--help"], cwd=repo, env=ENV, capture_output=True, text=True, check=False)  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, before.stdout, before.stderr) and before.returncode == 0
    assert proc.stdout.startswith("Usage: python -m eksa_lint check [OPTIONS] [PATHS]...")


@pytest.mark.parametrize("args", [["check", "nonexistent.yaml"], ["check", "--report", "xml:x", "."],
                                  ["check", "--format", "xml"], ["check", "-o", "policies"], ["--version"]])
def test_usage_errors_fall_back_to_click(repo: Path, args: list[str]) -> None:
    exe = shutil.which("eksa-lint", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the eksa-lint entry point is not installed (pip install -e .)")
    proc = subprocess.run([exe, *args], cwd=repo, env=ENV, capture_output=True, text=True, timeout=120, check=False)
    assert _same(proc) == _same(_run(args, repo, "click"))
    if args[0] == "check":
        assert proc.returncode == 2 and proc.stderr.startswith("Usage: eksa-lint check [OPTIONS] [PATHS]...\n")
    if args == ["check", "nonexistent.yaml"]:
        assert proc.stderr.endswith("Error: Invalid value for PATHS: no such file or folder: nonexistent.yaml\n")


def test_completion_and_other_commands_go_to_click(repo: Path) -> None:
    exe = shutil.which("eksa-lint", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the eksa-lint entry point is not installed (pip install -e .)")
    args, env = ["check", "policies/np.yaml"], {"_EKSA_LINT_COMPLETE": "bash_source"}
    proc = subprocess.run([exe, *args], cwd=repo, env={**ENV, **env}, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert "complete" in proc.stdout and _same(proc) == _same(_run(args, repo, "click", env))
    proc = _run(["rules"], repo, "entry")
    assert proc.returncode == 0 and proc.stdout.startswith("EKSA0")


# --- interrupts and a closed stdout -------------------------------------------------------------------------


def test_keyboard_interrupt_on_the_fast_path(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import eksa_lint.app

    def interrupted(*_: Any, **__: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.chdir(repo)
    monkeypatch.setattr(eksa_lint.app, "run_check", interrupted)
    monkeypatch.setattr(sys, "argv", ["eksa-lint", "check", "policies/np.yaml"])
    with pytest.raises(SystemExit) as exc:
        entry._main()
    assert exc.value.code == 130 and capsys.readouterr().err == "interrupted\n"


def test_broken_pipe_on_the_fast_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import eksa_lint.app

    def broken(*_: Any, **__: Any) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.chdir(repo)
    monkeypatch.setattr(eksa_lint.app, "run_check", broken)
    monkeypatch.setattr(sys, "argv", ["eksa-lint", "check", "policies/np.yaml"])
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # a StringIO's encoding is None: click's ASCII case
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as exc:
        entry._main()
    assert exc.value.code == 1 and isinstance(sys.stdout, entry._PacifyFlushWrapper)  # not click's: the fast path
    assert isinstance(sys.stderr, entry._PacifyFlushWrapper) and sys.stderr.wrapped is err
    err.flush()
    assert err.buffer.getvalue() == b""


def test_closed_stdout_as_click(repo: Path) -> None:
    """`eksa-lint check ... | head -0`: both paths exit 1 quietly (click's EPIPE handling)."""
    results = []
    for via in ("entry", "click"):
        r, w = os.pipe()
        os.close(r)
        try:
            proc = _run(["check", "policies/dup.yaml"], repo, via, stdout=w)
        finally:
            os.close(w)
        results.append((proc.returncode, proc.stderr))
    assert results[0] == results[1] == (1, "")


def test_keyboard_interrupt_on_the_click_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import eksa_lint.app
    from click.testing import CliRunner
    from eksa_lint.cli import main as click_main

    def interrupted(*_: Any, **__: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.chdir(repo)
    monkeypatch.setattr(eksa_lint.app, "run_check", interrupted)
    got = CliRunner().invoke(click_main, ["check", "policies/np.yaml"])
    assert got.exit_code == 130 and got.output.endswith("interrupted\n")


# --- the console entry ends the process itself (os._exit, no interpreter teardown) ---------------------------


def test_large_output_through_a_pipe_is_complete(repo: Path) -> None:
    for i in range(300):  # 301 files with a finding, ~150 KB of JSON: many pipe buffers, all to be flushed before os._exit
        (repo / "policies" / f"dup{i}.yaml").write_text(DUP)
    for via in ("entry", "click"):
        proc = _run(["check", "--format", "json", "--no-cache", "policies"], repo, via)
        assert proc.returncode == 1, proc.stderr
        found = json.loads(proc.stdout)["findings"]
        assert len({f["path"] for f in found}) == 301, via


@pytest.mark.parametrize(("code", "status", "err"), [(None, 0, ""), (0, 0, ""), (3, 3, ""), ("bye", 1, "bye\n")])
def test_exit_codes_of_the_console_entry(repo: Path, code: Any, status: int, err: str) -> None:
    prog = ("import sys; from eksa_lint import entry;"
            f"entry._main = lambda: sys.exit({code!r}); print('out', end=''); entry.main()")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", prog], cwd=repo, capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, "out", err)


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_outside_the_rules_exits_2_with_a_message(repo: Path, debug: bool) -> None:
    """Not a traceback and exit 1 (which CI reads as findings): exit 2, what failed and where; the traceback only
    with EKSA_LINT_DEBUG."""
    prog = ("import sys, eksa_lint.discover as d\n"
            "def boom(*a, **k): raise KeyError('lost')\n"
            "d.find_root = boom\n"
            "sys.argv = ['eksa-lint', 'check', 'policies/np.yaml']\n"
            "from eksa_lint.entry import main; main()\n")  # fmt: skip
    env = {**os.environ, "EKSA_LINT_DEBUG": "1"} if debug else {k: v for k, v in os.environ.items()
                                                               if k != "EKSA_LINT_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", prog], cwd=repo, capture_output=True, text=True, timeout=60,
                          check=False, env=env)  # fmt: skip
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("eksa-lint: internal error: KeyError: 'lost' (in boom, <string>:2)")
    assert last.endswith("This is a bug in eksa-lint: please report it with the command line.")
    assert ("Traceback (most recent call last)" in proc.stderr) is debug
    assert ("EKSA_LINT_DEBUG=1" in last) is not debug
