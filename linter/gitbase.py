"""The repo at a base revision (`--base REV`), read with git, for the change-aware rules (EKSA7xx).

Only files that mention EKS-A's API group are read at the base revision (git grep, one cat-file batch),
since the change-aware rules compare EKS-A objects.
"""

from __future__ import annotations

import marshal
import os
from typing import Any

from eksa_lint.cache import CACHE_DIR, VERSION
from eksa_lint.config import Settings
from eksa_lint.discover import file_kind
from eksa_lint.gitproc import git
from eksa_lint.load import load_file
from eksa_lint.load.source import Document, SourceFile
from eksa_lint.model import EKSA_GROUP, Repo


class BaseRevisionError(Exception):
    """The base revision cannot be read (exit code 2)."""


class _Done:
    __slots__ = ("returncode", "stdout")

    def __init__(self, returncode: int, stdout: bytes) -> None:
        self.returncode = returncode
        self.stdout = stdout


def _git(root: str, *args: str, data: bytes | None = None) -> Any:
    """git's exit code and output (`.returncode`, `.stdout`); with `data` on its standard input."""
    if data is None:  # without subprocess (see gitproc): a cached base costs one rev-parse
        try:
            return _Done(*git(root, *args))
        except OSError as exc:
            raise BaseRevisionError(f"cannot run git: {exc}") from None
    import subprocess

    try:
        return subprocess.run(["git", *args], cwd=root, input=data, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BaseRevisionError(f"cannot run git: {exc}") from None


def _unborn_head(root: str) -> bool:
    """True in a git repo that has no commit yet (pre-commit's first commit)."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0:
        return False
    return _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0 and not _git(
        root, "rev-list", "-n", "1", "--all"
    ).stdout.strip()


def resolve_base(root: str, rev: str) -> str | None:
    """The commit `rev` names (checked now, so a bad revision is a usage error before any rule runs); None for
    `HEAD` in a repo without commits."""
    ok = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if ok.returncode != 0:
        if _git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
            raise BaseRevisionError(f"--base {rev}: {root} is not inside a git repository")
        if rev == "HEAD" and _unborn_head(root):
            return None
        raise BaseRevisionError(f"--base {rev}: no such revision in {root} (fetch it first, e.g. `git fetch origin`)")
    return ok.stdout.decode().strip()


def load_base(root: str, rev: str, settings: Settings) -> Repo | None:
    """The repo's EKS-A objects at `rev`; None for `HEAD` in a repo without commits."""
    commit = resolve_base(root, rev)
    return None if commit is None else load_commit(root, rev, commit, settings)


_KEEP_BASES = 4  # base snapshots kept in the cache folder (the last commits a hook ran against)


def load_commit(root: str, rev: str, commit: str, settings: Settings) -> Repo:
    """The repo's EKS-A objects at `commit` (named `rev` in messages). A commit never changes, so with the
    cache on, what was read at it is kept in the cache folder and read back (a hook on a Cluster file reads
    HEAD at every commit: git grep over every blob costs tens of ms in a large repo)."""
    snap = os.path.join(root, CACHE_DIR, f"base-{commit}.marshal") if settings.cache else None
    key = (VERSION, settings.max_bytes, tuple(settings.hardware))
    if snap is not None:
        got = _read_snapshot(snap, key, rev)
        if got is not None:
            return Repo(root, got, settings)
    files = _read_commit(root, rev, commit, settings)
    if snap is not None and os.path.isdir(os.path.dirname(snap)):
        _write_snapshot(snap, key, files)
    return Repo(root, files, settings)


def _read_snapshot(path: str, key: tuple[Any, ...], rev: str) -> list[SourceFile] | None:
    try:
        with open(path, "rb") as fh:
            got = marshal.loads(fh.read())
        if type(got) is not tuple or len(got) != 2 or got[0] != key or type(got[1]) is not list:
            return None
        files = []
        for p, kind, docs in got[1]:
            sf = SourceFile(p, f"{rev}:{p}", kind, reported=False)
            sf.documents = [Document(sf, i, data) for i, data in docs]
            files.append(sf)
        return files
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _write_snapshot(path: str, key: tuple[Any, ...], files: list[SourceFile]) -> None:
    try:
        payload = marshal.dumps((key, [(f.path, f.kind, [(d.index, d.data) for d in f.documents])
                                       for f in files]))
    except ValueError:  # data marshal cannot hold (recursive aliases): not kept
        return
    folder = os.path.dirname(path)
    try:
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
        old = sorted((e for e in os.scandir(folder) if e.name.startswith("base-") and e.name.endswith(".marshal")),
                     key=lambda e: e.stat().st_mtime, reverse=True)
        for e in old[_KEEP_BASES:]:
            os.unlink(e.path)
    except OSError:
        pass


def _read_commit(root: str, rev: str, commit: str, settings: Settings) -> list[SourceFile]:
    grep = _git(root, "grep", "-l", "-z", "-I", "-F", "-e", EKSA_GROUP, commit, "--", "*.yaml", "*.yml", "*.json")
    if grep.returncode not in (0, 1):
        raise BaseRevisionError(f"--base {rev}: git grep failed: {grep.stderr.decode(errors='replace').strip()}")
    prefix = f"{commit}:"
    paths = [p.removeprefix(prefix)
             for p in grep.stdout.decode("utf-8", "surrogateescape").split("\0") if p]  # fmt: skip
    files: list[SourceFile] = []
    if paths:
        batch = "".join(f"{commit}:{p}\n" for p in paths).encode("utf-8", "surrogateescape")
        out = _git(root, "cat-file", "--batch", data=batch)
        if out.returncode != 0:
            raise BaseRevisionError(f"--base {rev}: git cat-file failed")
        buf = out.stdout
        pos = 0
        for p in paths:
            nl = buf.index(b"\n", pos)
            header = buf[pos:nl].split()
            pos = nl + 1
            if len(header) < 3 or header[1] != b"blob":
                continue
            size = int(header[2])
            blob = buf[pos : pos + size]
            pos += size + 1
            kind = file_kind(p, settings) or "yaml"
            sf = SourceFile(p, f"{rev}:{p}", kind, reported=False)
            try:
                text = blob.decode("utf-8")
            except UnicodeDecodeError:
                continue
            load_file(sf, settings.max_bytes, text=text.removeprefix("\ufeff"))
            files.append(sf)
    return files
