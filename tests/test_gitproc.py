"""linter/gitproc.py starts git without the subprocess module; it must behave as subprocess would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from eksa_lint.gitproc import GitProc, git

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_exit_code_and_output(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    assert git(str(repo), "rev-parse", "--is-inside-work-tree") == (0, b"true\n")
    outside = tmp_path / "plain"
    outside.mkdir()
    code, out = git(str(outside), "-c", f"safe.directory={outside}", "rev-parse", "--is-inside-work-tree")
    if "GIT_DIR" not in os.environ:
        assert code == 128 and out == b""  # git's error went to the null device, not to our stderr


def test_output_longer_than_a_pipe_buffer_and_two_at_once(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    names = [f"{'d' * 40}{i:05d}.yaml" for i in range(4000)]  # ~180 KB of listing, several pipe buffers
    for n in names:
        (repo / n).write_text("")
    first = GitProc(str(repo), ["ls-files", "-z", "-o"])
    second = GitProc(str(repo), ["ls-files", "-z", "-o"])
    # read the second first: the first blocks on its full pipe meanwhile and must not deadlock or lose data
    for proc in (second, first):
        code, out = proc.finish()
        assert code == 0
        assert sorted(out.decode().split("\0")[:-1]) == names


def test_kill_before_reading_collects_the_child(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    proc = GitProc(str(repo), ["rev-parse", "--is-inside-work-tree"])
    proc.kill()
    proc.kill()  # twice is harmless


def test_missing_git_is_an_oserror(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OSError):
        git(str(tmp_path), "--version")


def test_a_one_file_run_in_git_does_not_import_subprocess(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    (repo / "p.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (repo / "sub").mkdir()
    code = ("import sys; from eksa_lint.engine import lint; r = lint(['../p.yaml']);"
            "print(r.root, [f.path for f in r.files], 'subprocess' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=repo / "sub", capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(repo.resolve()), "['p.yaml']", "False"], out.stderr
