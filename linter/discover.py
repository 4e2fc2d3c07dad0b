"""Which files to load (the whole repo, as context) and which of them to report on (the PATHS given)."""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from eksa_lint.config import Settings
from eksa_lint.load.source import SourceFile

YAML_EXT = (".yaml", ".yml")
JSON_EXT = (".json",)
# Files kept as raw text for rules that look for commands (e.g. `cilium uninstall`).
TEXT_NAMES = ("Makefile", "makefile", "GNUmakefile", "Justfile", "justfile", "Dockerfile")
TEXT_EXT = (".sh", ".bash", ".zsh", ".mk", ".md")
SKIP_DIRS = frozenset({"node_modules", "vendor", "__pycache__"})
VISIBLE_HIDDEN_DIRS = frozenset({".github", ".gitlab", ".circleci"})


@dataclass(frozen=True)
class Discovery:
    root: str
    files: tuple[SourceFile, ...]
    in_git: bool


def file_key(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is unchanged since it was cached: size, mtime, inode and ctime (ctime cannot be set
    back, so `touch -r`, `cp -p` or `tar x` restoring an old mtime is still a change)."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _git(args: list[str], cwd: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=60, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "surrogateescape")


def git_toplevel(path: str) -> str | None:
    d = path if os.path.isdir(path) else os.path.dirname(path) or "."
    out = _git(["rev-parse", "--show-toplevel"], d)
    return os.path.realpath(out.strip()) if out else None


def find_root(paths: Iterable[str], cwd: str) -> tuple[str, bool]:
    """The repo root: the git toplevel of the first PATH, else the current directory when the PATH is
    inside it, else the PATH itself (its folder for a file)."""
    rcwd = os.path.realpath(cwd)
    # the PATH as named (not resolved): a symlink out of the tree must not move the root
    first = os.path.normpath(os.path.join(rcwd, next(iter(paths), ".")))
    anchor = first if os.path.isdir(first) and not os.path.islink(first) else os.path.dirname(first)
    top = git_toplevel(anchor if os.path.isdir(anchor) else cwd)
    if top:
        return top, True
    if first == rcwd or first.startswith(rcwd + os.sep):
        return rcwd, False
    return os.path.realpath(anchor), False


def file_kind(relpath: str, settings: Settings) -> str | None:
    name = os.path.basename(relpath)
    low = name.lower()
    if low.endswith(YAML_EXT):
        return "yaml"
    if low.endswith(JSON_EXT):
        return "json"
    if low.endswith(".csv") and any(
        fnmatch.fnmatch(name, g) or fnmatch.fnmatch(relpath, g) for g in settings.hardware
    ):
        return "csv"
    if name in TEXT_NAMES or low.endswith(TEXT_EXT):
        return "text"
    return None


def _inside(root: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


def _leaves_tree(root: str, lexical: str, real: str) -> bool:
    """True when a PATH names a place inside the tree that a symlink resolves to somewhere outside it."""
    return (lexical == root or lexical.startswith(root + os.sep)) and not _inside(root, real)


def _walk(root: str) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and (not d.startswith(".") or d in VISIBLE_HIDDEN_DIRS)
            and not os.path.islink(os.path.join(dirpath, d))
        )  # fmt: skip
        rel = os.path.relpath(dirpath, root)
        for fn in sorted(filenames):
            out.append(fn if rel == "." else f"{rel}/{fn}".replace(os.sep, "/"))
    return out


def _git_files(root: str) -> list[str] | None:
    out = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"], root)
    if out is None:
        out = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root)
    if out is None:
        return None
    return sorted({p for p in out.split("\0") if p})


def discover(paths: list[str], settings: Settings, cwd: str | None = None) -> Discovery:
    """All candidate files under the repo root, each marked `reported` when it falls under one of PATHS."""
    cwd = cwd or os.getcwd()
    paths = paths or ["."]
    root, in_git = find_root(paths, cwd)
    listed = _git_files(root) if in_git else None
    if listed is None:
        in_git = False
        listed = _walk(root)
    targets: list[tuple[str, bool]] = []  # (relative path or prefix, is_dir)
    extra: list[str] = []  # PATH files or folders outside the root
    for p in paths:
        ap = os.path.realpath(os.path.join(cwd, p))
        lexical = os.path.normpath(os.path.join(os.path.realpath(cwd), p))
        if _leaves_tree(root, lexical, ap):
            continue  # a symlink inside the tree pointing out of it: never followed, even when named
        if not _inside(root, ap):
            extra.append(ap)
            continue
        # the path as named: a symlink inside the tree is reported under its own name, as in a full run
        named_path = lexical if lexical == root or lexical.startswith(root + os.sep) else ap
        rel = os.path.relpath(named_path, root).replace(os.sep, "/")
        targets.append(("" if rel == "." else rel, os.path.isdir(ap)))

    named = {t for t, is_dir in targets if not is_dir}
    only_files = all(not is_dir for _, is_dir in targets)

    def reported(rel: str) -> bool:
        if only_files:  # pre-commit passes files: a set lookup for each of the repo's files
            return rel in named
        for t, is_dir in targets:
            if t == "" or rel == t or (is_dir and rel.startswith(t + "/")):
                return True
        return False

    files: dict[str, SourceFile] = {}
    excluded = settings.excluded if settings.exclude else None
    prefix = root.rstrip(os.sep) + os.sep
    for rel in listed:
        low = rel.lower()  # the common kinds without a function call each (this loop sees every file)
        if low.endswith(YAML_EXT):
            kind: str | None = "yaml"
        elif low.endswith(JSON_EXT):
            kind = "json"
        else:
            kind = file_kind(rel, settings)
            if kind is None:
                continue
        if excluded is not None and excluded(rel):
            continue
        ap = prefix + rel
        try:
            st = os.lstat(ap)  # one system call per file: type, link, and the cache's stat key
            if stat.S_ISLNK(st.st_mode):
                if not _inside(root, ap):
                    continue  # never follow a symlink out of the tree
                st = os.stat(ap)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        files[rel] = SourceFile(rel, ap, kind, reported=reported(rel), stat_key=file_key(st))
    # PATHS given as files are linted even when their extension is not a candidate.
    for t, is_dir in targets:
        if (
            t
            and not is_dir
            and t not in files
            and not settings.excluded(t)
            and os.path.isfile(os.path.join(root, t))
        ):
            files[t] = SourceFile(t, os.path.join(root, t), file_kind(t, settings) or "text", reported=True)
    for ap in extra:
        base = ap if os.path.isdir(ap) else os.path.dirname(ap)
        rels = _walk(ap) if os.path.isdir(ap) else [os.path.basename(ap)]
        for r in rels:
            full = os.path.join(base, r)
            shown = os.path.relpath(full, cwd).replace(os.sep, "/")
            if settings.excluded(shown):
                continue
            kind = file_kind(r, settings)
            if kind is None and os.path.isdir(ap):
                continue
            if os.path.islink(full) and not _inside(base, full):
                continue
            if os.path.isfile(full):
                files[shown] = SourceFile(shown, full, kind or "text", reported=True)
    return Discovery(root, tuple(files[k] for k in sorted(files)), in_git)
