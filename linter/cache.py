"""Context cache: what loading produced for each file (text, data, problems; no node trees), keyed by path,
size and mtime, in `.eksa-lint-cache/` at the repo root. Used for context files (not reported ones) so a
one-file run in a large repo does not parse every other file again. Any error -> the cache is ignored."""

from __future__ import annotations

import marshal
import os
import tempfile
from typing import Any

from eksa_lint.load import apply_state, file_state
from eksa_lint.load.source import SourceFile

CACHE_DIR = ".eksa-lint-cache"
# Bump when loading changes what it produces (a stale format must never change results).
VERSION = 1
_FILE = f"load-v{VERSION}.marshal"


def _key(st: os.stat_result, file: SourceFile, max_bytes: int, docs: bool) -> tuple[Any, ...]:
    return (st.st_size, st.st_mtime_ns, file.kind, max_bytes, docs)


class ContextCache:
    def __init__(self, root: str, max_bytes: int, docs: bool) -> None:
        self.dir = os.path.join(root, CACHE_DIR)
        self.path = os.path.join(self.dir, _FILE)
        self.max_bytes = max_bytes
        self.docs = docs
        self.entries: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.dirty = False
        self.hits = 0
        try:
            with open(self.path, "rb") as fh:
                loaded = marshal.load(fh)
            if isinstance(loaded, dict) and loaded.get("version") == VERSION:
                entries = loaded.get("entries")
                if isinstance(entries, dict):
                    self.entries = entries
        except Exception:  # noqa: BLE001 - a corrupt cache is ignored
            self.entries = {}

    def _stat_key(self, file: SourceFile) -> tuple[Any, ...] | None:
        try:
            st = os.stat(file.abspath)
        except OSError:
            return None
        return _key(st, file, self.max_bytes, self.docs)

    def get(self, file: SourceFile) -> bool:
        """Fill `file` from the cache when its entry is fresh; True on a hit."""
        entry = self.entries.get(file.path)
        if entry is None:
            return False
        key = self._stat_key(file)
        try:
            if key is None or tuple(entry[0]) != key:
                return False
            apply_state(file, entry[1])
        except (TypeError, ValueError, IndexError):
            return False
        self.hits += 1
        return True

    def put(self, file: SourceFile, state: tuple[Any, ...] | None = None) -> None:
        key = self._stat_key(file)
        if key is None:
            return
        if state is None:
            state = file_state(file)
        if state is None:
            return
        self.entries[file.path] = (key, state)
        self.dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache (atomically) when it changed; entries of files no longer present are dropped."""
        if not self.dirty:
            return
        entries = self.entries if keep is None else {k: v for k, v in self.entries.items() if k in keep}
        try:
            os.makedirs(self.dir, exist_ok=True)
            gi = os.path.join(self.dir, ".gitignore")
            if not os.path.exists(gi):
                with open(gi, "w", encoding="utf-8") as fh:
                    fh.write("# Automatically created by eksa-lint.\n*\n")
            data = marshal.dumps({"version": VERSION, "entries": entries})
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".load-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except Exception:  # noqa: BLE001, S110 - unwritable folder, unmarshallable data (recursive aliases): no cache
            pass
