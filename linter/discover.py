"""Which files to load (the whole repo, as context) and which of them to report on (the PATHS given)."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable
from typing import Any

from eksa_lint.config import Settings
from eksa_lint.gitproc import GitProc, git
from eksa_lint.load.source import SourceFile

YAML_EXT = (".yaml", ".yml")
JSON_EXT = (".json",)
# Files kept as raw text for rules that look for commands (e.g. `cilium uninstall`).
TEXT_NAMES = ("Makefile", "makefile", "GNUmakefile", "Justfile", "justfile", "Dockerfile")
TEXT_EXT = (".sh", ".bash", ".zsh", ".mk", ".md")
SKIP_DIRS = frozenset({"node_modules", "vendor", "__pycache__"})
VISIBLE_HIDDEN_DIRS = frozenset({".github", ".gitlab", ".circleci"})


class Discovery:
    """What discovery found. `reported`: the files under PATHS (SourceFiles, to be parsed); `context`: every
    other candidate file of the repo as {path: (kind, key)}, without a SourceFile each, so a one-file run in a
    large repo does no per-file work for them beyond what the cache needs. The key says a file is unchanged:
    git's blob id for a tracked file git reports clean, else the stat key (`file_key`)."""

    __slots__ = ("context", "in_git", "listing", "reported", "root")

    def __init__(self, root: str, reported: tuple[SourceFile, ...], in_git: bool,
                 context: dict[str, tuple[str, Any]] | None = None, listing: Listing | None = None) -> None:
        self.root = root
        self.reported = reported
        self.in_git = in_git
        self.context = context or {}
        self.listing = listing  # git's view, for the cache (None outside git)

    @property
    def files(self) -> tuple[SourceFile, ...]:
        """Every file, reported and context, as SourceFiles in path order (for a run without the cache)."""
        if self.listing is not None and self.listing.fast:
            raise ValueError("a discovery made with the cache's known entries lists only what changed")
        out = list(self.reported)
        prefix = self.root.rstrip(os.sep) + os.sep
        for rel, (kind, key) in self.context.items():
            out.append(SourceFile(rel, prefix + rel, kind, reported=False,
                                  stat_key=key if isinstance(key, tuple) else None))
        out.sort(key=lambda f: f.path)
        return tuple(out)


def file_key(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is unchanged since it was cached: size, mtime, inode and ctime (ctime cannot be set
    back, so `touch -r`, `cp -p` or `tar x` restoring an old mtime is still a change)."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _git(args: list[str], cwd: str) -> str | None:
    try:
        code, out = git(cwd, *args)
    except OSError:
        return None
    return out.decode("utf-8", "surrogateescape") if code == 0 else None


_GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM")


def git_toplevel(path: str) -> str | None:
    """The work tree root git would use for `path` (as `git rev-parse --show-toplevel`), found by looking for
    `.git` in its folder and the ones above (a run asks this several times; each git process costs ms). With
    git's discovery variables set, git itself is asked. A `.git` git then refuses (an unsafe owner, say) makes
    the later git commands fail, and discovery walks the folder instead, as outside git."""
    d = path if os.path.isdir(path) else os.path.dirname(path) or "."
    if not any(k in os.environ for k in _GIT_ENV):
        cur = os.path.realpath(d)
        while True:
            dotgit = os.path.join(cur, ".git")
            if os.path.isfile(os.path.join(dotgit, "HEAD")) or _is_gitfile(dotgit):
                return cur
            parent = os.path.dirname(cur)
            if parent == cur:
                return None
            cur = parent
    out = _git(["rev-parse", "--show-toplevel"], d)
    return os.path.realpath(out.strip()) if out else None


def _is_gitfile(path: str) -> bool:
    """A worktree's or submodule's `.git` file: "gitdir: PATH"."""
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == b"gitdir: "
    except OSError:
        return False


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


# An entry of `git ls-files -z -v -s -c -o` is "TAG MODE OBJECT STAGE<tab>PATH" for the index and "? PATH" for an
# untracked file; a lowercase tag marks an assume-unchanged entry, S a skip-worktree one.
_REGULAR_MODES = frozenset({"100644", "100755"})


def _git_start(root: str) -> list[GitProc] | None:
    """Start `git ls-files` (index and untracked entries) and `git diff-files` (paths whose worktree differs from
    the index: modified, deleted, type changed); `_git_finish` reads them. The caller may work meanwhile.

    git compares the worktree with its index in C, with threads, several times faster than one lstat per file
    from Python; a file it does not report has its index entry's content, so the entry identifies it."""
    # diff-files with git's full stat comparison whatever the repo's config says (core.trustctime=false or
    # core.checkStat=minimal would call an in-place edit that keeps size and mtime clean)
    cmds = (["ls-files", "-z", "-v", "-s", "--cached", "--others", "--exclude-standard"],
            ["-c", "core.trustctime=true", "-c", "core.checkStat=default", "diff-files", "--name-only", "-z"])
    procs: list[GitProc] = []
    try:
        for c in cmds:
            procs.append(GitProc(root, c))
    except OSError:
        for pr in procs:
            pr.kill()
        return None
    return procs


def _git_finish(root: str, procs: list[GitProc]) -> tuple[list[str], set[str]] | None:
    outs: list[bytes] = []
    try:
        for pr in procs:  # one read to EOF each: git never waits on us
            code, out = pr.finish()
            if code != 0:
                return None
            outs.append(out)
    except OSError:
        return None
    finally:
        for pr in procs:
            pr.kill()  # those not finished (after a failure)
    listing, changed = (o.decode("utf-8", "surrogateescape") for o in outs)
    entries = listing.split("\0")
    entries.pop()  # after the last NUL
    if _rewrites_content(root, listing, entries):
        # a checkout can change a file's bytes while its index entry stays: entries are no content keys here
        entries = [f"? {e.partition(chr(9))[2]}" if "\t" in e and not e.startswith("? ") else e for e in entries]
    return entries, set(changed.split("\0")[:-1])


_CONTENT_ATTRS = re.compile(r"(?<![\w-])-?(?:filter|working-tree-encoding|ident)\b")


def _rewrites_content(root: str, listing: str, entries: list[str]) -> bool:
    """Whether git attributes may make a clean file's bytes differ from its blob in ways a checkout can change
    (clean/smudge filters such as git-lfs, git-crypt or sops; working-tree-encoding; ident). Line-ending
    conversion is harmless: it does not change what a manifest says."""
    candidates = []
    if ".gitattributes\0" in listing:  # a C-level search first: most repos have none
        paths = (e[2:] if e.startswith("? ") else e.partition("\t")[2] for e in entries
                 if e.endswith(".gitattributes"))
        candidates = [root + os.sep + p for p in paths if p.rsplit("/", 1)[-1] == ".gitattributes"]
    git_dir = os.path.join(root, ".git")
    if os.path.isfile(git_dir):  # a worktree or submodule: "gitdir: PATH"
        try:
            with open(git_dir, encoding="utf-8") as fh:
                git_dir = os.path.join(root, fh.read().strip().removeprefix("gitdir:").strip())
            with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
                git_dir = os.path.join(git_dir, fh.read().strip())
        except OSError:
            pass
    candidates.append(os.path.join(git_dir, "info", "attributes"))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    candidates.append(os.path.join(xdg, "git", "attributes"))
    for path in candidates:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(1_000_000)
        except OSError:
            continue
        if any(_CONTENT_ATTRS.search(line) for line in text.splitlines() if not line.lstrip().startswith("#")):
            return True
    return False


def parse_entry(entry: str) -> tuple[str, str | None] | None:
    """(path, key) of one ls-files entry. The key is the entry itself for a tracked regular file at stage 0
    (its object id makes it a content key while git does not report the file changed), None for a path to
    stat here (untracked, symlink, assume-unchanged, skip-worktree, conflict); None for a submodule."""
    if entry.startswith("? "):
        return entry[2:], None
    meta, tab, path = entry.partition("\t")
    fields = meta.split(" ")
    if not tab or len(fields) != 4 or fields[1] == "160000":
        return None
    tag, mode, _object, stage = fields
    return path, (entry if tag == "H" and stage == "0" and mode in _REGULAR_MODES else None)


class Listing:
    """What a git-backed discovery saw, for the cache: the entries of this run, the paths git reports changed,
    and the clean entries of files that are not candidates (so a later run need not look at them again)."""

    __slots__ = ("dirty", "entries", "fast", "gone", "ignored")

    def __init__(self, entries: set[str], dirty: set[str], ignored: list[str], fast: bool,
                 gone: set[str] | None = None) -> None:
        self.entries = entries
        self.dirty = dirty
        self.ignored = ignored
        # fast: `Discovery.context` holds only what changed since the cache's entries (new entries, and files
        # to stat); the cache serves the rest. `gone`: the cache's entries no longer listed.
        self.fast = fast
        self.gone = gone or set()


def discover(paths: list[str], settings: Settings, cwd: str | None = None,
             known: Callable[[], dict[str, str]] | None = None) -> Discovery:
    """All candidate files under the repo root, each marked `reported` when it falls under one of PATHS.

    `known` gives the cache's {ls-files entry: path ("" for a file that is not a candidate)}: when PATHS are
    files (the pre-commit case), only entries not in it are looked at, and the context the cache holds is
    left to the cache."""
    cwd = cwd or os.getcwd()
    paths = paths or ["."]
    root, in_git = find_root(paths, cwd)
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

    procs = _git_start(root) if in_git else None
    # while git works: the cache's known entries (reading its index is as long as git's listing)
    table = known() if procs is not None and known is not None and only_files and targets else None
    got = _git_finish(root, procs) if procs is not None else None
    listing: Listing | None = None
    excluded = settings.excluded if settings.exclude else None
    prefix = root.rstrip(os.sep) + os.sep
    files: dict[str, SourceFile] = {}  # reported
    context: dict[str, tuple[str, Any]] = {}
    to_stat: list[str] = []
    ignored: list[str] = []

    def kind_of(rel: str) -> str | None:
        low = rel.lower()  # the common kinds without a function call each (this loop may see every file)
        if low.endswith(YAML_EXT):
            kind: str | None = "yaml"
        elif low.endswith(JSON_EXT):
            kind = "json"
        else:
            kind = file_kind(rel, settings)
        return None if kind is None or (excluded is not None and excluded(rel)) else kind

    def take(entries: Iterable[str], dirty: set[str]) -> None:
        for e in entries:
            got = parse_entry(e)
            if got is None:
                continue
            rel, key = got
            if key is None or rel in dirty:
                to_stat.append(rel)
                continue
            kind = kind_of(rel)
            if kind is None:
                ignored.append(e)
            elif reported(rel):
                files[rel] = SourceFile(rel, prefix + rel, kind, reported=True)
            else:
                context[rel] = (kind, key)

    if got is None:
        in_git = False
        to_stat = _walk(root)
    else:
        entries, dirty = got
        if table:
            # Pre-commit: the entries the cache knows are unchanged files it holds (or ignores); only the
            # rest is looked at. Named files are read below whatever git says.
            current = set(entries)
            take(current.difference(table), dirty)
            to_stat.extend(dirty)
            listing = Listing(current, dirty, ignored, True, table.keys() - current)
        else:
            take(entries, dirty)
            listing = Listing(set(entries), dirty, ignored, False)
    # The rest: one lstat each (type, symlink, and the cache's stat key).
    for rel in to_stat:
        if rel in files or rel in context:
            continue
        kind = kind_of(rel)
        if kind is None:
            continue
        ap = prefix + rel
        try:
            st = os.lstat(ap)
            if stat.S_ISLNK(st.st_mode):
                if not _inside(root, ap):
                    continue  # never follow a symlink out of the tree
                st = os.stat(ap)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if reported(rel):
            files[rel] = SourceFile(rel, ap, kind, reported=True, stat_key=file_key(st))
        else:
            context[rel] = (kind, file_key(st))
    # PATHS given as files are linted even when their extension is not a candidate.
    for t, is_dir in targets:
        if (
            t
            and not is_dir
            and t not in files
            and not settings.excluded(t)
            and os.path.isfile(os.path.join(root, t))
        ):
            context.pop(t, None)
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
                context.pop(shown, None)
                files[shown] = SourceFile(shown, full, kind or "text", reported=True)
    return Discovery(root, tuple(files[k] for k in sorted(files)), in_git, context, listing)
