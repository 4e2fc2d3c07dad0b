"""Context cache, in `.eksa-lint-cache/` at the repo root: what loading produced for each context file (the
files a run loads but does not report on), keyed by path, size and mtime.

It is made for the pre-commit case, one changed file in a large repo. Two files:
- the index (`index-v2.marshal`): per file its stat key, problems and the identity of its objects (document,
  node path, apiVersion, kind, name, namespace), so the model can index every object without its data;
- the data (`data-v2.bin`): per file the marshalled data of its documents, read with one pread when a rule
  first touches an object of that file.
The file's text is not cached: it is read from disk if a finding needs a position in it. Any error -> the
cache (or the entry) is ignored and the file is parsed as usual.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import secrets
import tempfile
import time
from typing import Any

from eksa_lint.discover import file_key
from eksa_lint.load import apply_state, file_state
from eksa_lint.load.source import _UNSET, Document, LoadProblem, SourceFile

CACHE_DIR = ".eksa-lint-cache"
# Bump when loading changes what it produces (a stale format must never change results).
VERSION = 3
_INDEX = f"index-v{VERSION}.marshal"
_DATA = f"data-v{VERSION}.bin"
_TOKEN_LEN = 16
_ONE_DOC = [0]


RACY_NS = 2_000_000_000  # a file changed this close to the cache write may change again with the same stat


def stat_key(path: str) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return file_key(st)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _same_content(path: str, digest: Any) -> bool:
    """A racy entry: compare the file's text (decoded as the loader does) with the digest."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError):
        return False
    return _digest(text) == digest


def object_index(file: SourceFile) -> list[tuple[Any, ...]]:
    """(doc index, node path, apiVersion, kind, name, namespace) of each object, as the model derives them."""
    from eksa_lint.model import Obj, objects_in

    out = []
    for doc in file.documents:
        for base, data in objects_in(doc.data):
            o = Obj(doc, data, base)
            out.append((doc.index, base, o.api_version, o.kind, o.name, o.namespace))
    return out


class ContextCache:
    def __init__(self, root: str, max_bytes: int, docs: bool) -> None:
        self.dir = os.path.join(root, CACHE_DIR)
        self.index_path = os.path.join(self.dir, _INDEX)
        self.data_path = os.path.join(self.dir, _DATA)
        self.settings_key = (max_bytes, docs)
        # path -> (stat key, kind, problems, skipped, inline state or None, doc indices, objects, offset, length,
        #          whether the loader kept the text, digest of the text)
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.token = b""
        self.written_ns = 0  # when the index was written: entries changed within RACY_NS of it are racy
        self.fresh: dict[str, bytes] = {}  # data blobs of entries put in this run
        self.dirty = False
        self.hits = 0
        self._fd: int | None = None
        try:
            with open(self.index_path, "rb") as fh:
                loaded = marshal.loads(fh.read())  # marshal.load(fh) reads in small pieces: 6x slower
            if (isinstance(loaded, dict) and loaded.get("version") == VERSION
                    and loaded.get("settings") == self.settings_key and isinstance(loaded.get("entries"), dict)):
                self.entries = loaded["entries"]
                self.token = loaded.get("token", b"")
                self.written_ns = int(loaded.get("written_ns", 0))
        except Exception:  # noqa: BLE001 - a missing or corrupt cache is ignored
            self.entries = {}

    # -- reading --------------------------------------------------------------------------------------------------

    def get(self, file: SourceFile) -> bool:
        """Fill `file` from the cache when its entry is fresh; True on a hit. Documents stay unloaded."""
        entry = self.entries.get(file.path)
        if entry is None:
            return False
        key = file.stat_key or stat_key(file.abspath)
        try:
            skey, kind, problems, skipped, inline, doc_indices, objects, _, _, text_kept, digest = entry
            if key is None or skey != key or kind != file.kind:  # marshal keeps tuples: compare as they are
                return False
            if key[1] >= self.written_ns - RACY_NS:
                # changed right around the last write (git's "racy" case: coarse timestamps, or an edit in the
                # same tick): the stat key alone cannot tell, so compare the content
                if not _same_content(file.abspath, digest):
                    return False
                if time.time_ns() - key[1] > RACY_NS:
                    self.dirty = True  # written again now, the entry is no longer racy
            if inline is not None:
                apply_state(file, inline)
            else:
                if doc_indices == _ONE_DOC:  # the common case, without the general checks
                    file.documents = [Document(file, 0, _UNSET, lazy=True)]
                elif all(type(i) is int for i in doc_indices):
                    file.documents = [Document(file, i, _UNSET, lazy=True) for i in doc_indices]
                else:
                    return False
                # read from disk only if needed; a file the loader kept no text of (binary, too big) has none
                file._text = None if text_kept else ""
                if problems:
                    file.problems = [LoadProblem(*p) for p in problems]
                file.skipped = bool(skipped)
                file.objects = objects  # shape checked by the model (Repo), which loads the file on a bad one
                file._loader = self._fill
        except (TypeError, ValueError, IndexError):
            return False
        self.hits += 1
        return True

    def _blob(self, offset: int, length: int) -> bytes | None:
        try:
            if self._fd is None:
                fd = os.open(self.data_path, os.O_RDONLY)
                if os.pread(fd, _TOKEN_LEN, 0) != self.token or not self.token:
                    os.close(fd)
                    return None
                self._fd = fd
            data = os.pread(self._fd, length, offset)
            return data if len(data) == length else None
        except OSError:
            return None

    def _fill(self, file: SourceFile) -> None:
        entry = self.entries.get(file.path)
        raw = self.fresh.get(file.path) or (self._blob(entry[7], entry[8]) if entry is not None else None)
        try:
            datas = marshal.loads(raw) if raw is not None else None
        except (ValueError, EOFError, TypeError):
            datas = None
        if not isinstance(datas, list) or len(datas) != len(file.documents):
            # unreadable: parse the file itself (same text: its stat key matched)
            from eksa_lint.load import load_file

            fresh = load_file(SourceFile(file.path, file.abspath, file.kind), self.settings_key[0],
                              docs=self.settings_key[1])
            datas = [d.data for d in fresh.documents]
            datas += [None] * (len(file.documents) - len(datas))
        for doc, data in zip(file.documents, datas):
            doc._data = data

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- writing --------------------------------------------------------------------------------------------------

    def put(self, file: SourceFile, state: tuple[Any, ...] | None = None) -> None:
        key = file.stat_key or stat_key(file.abspath)
        if key is None:
            return
        if state is None:
            state = file_state(file)
        if state is None:
            return
        text, skipped, problems, docs, _header, _rows = state
        digest = _digest(text)
        try:
            if file.kind == "csv":
                entry: tuple[Any, ...] = (key, file.kind, [], skipped, state, [], [], 0, 0, True, digest)
                blob = b""
            else:
                blob = marshal.dumps([data for _, data in docs])
                objects = object_index(file) if file.documents or not docs else _objects_from_state(file, docs)
                entry = (key, file.kind, problems, skipped, None, [i for i, _ in docs], objects, 0, len(blob),
                         bool(text), digest)
        except (ValueError, TypeError):  # data marshal cannot hold (recursive aliases): not cached
            return
        self.entries[file.path] = entry
        self.fresh[file.path] = blob
        self.dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache when it changed (atomically: a new token ties the index to its data file); entries
        of files no longer present are dropped."""
        if not self.dirty:
            self.close()
            return
        paths = [p for p in self.entries if keep is None or p in keep]
        try:
            os.makedirs(self.dir, exist_ok=True)
            gi = os.path.join(self.dir, ".gitignore")
            if not os.path.exists(gi):
                with open(gi, "w", encoding="utf-8") as fh:
                    fh.write("# Automatically created by eksa-lint.\n*\n")
            token = secrets.token_bytes(_TOKEN_LEN)
            chunks = [token]
            offset = _TOKEN_LEN
            entries: dict[str, tuple[Any, ...]] = {}
            for p in paths:
                e = self.entries[p]
                if e[4] is not None:  # inline
                    entries[p] = e
                    continue
                blob = self.fresh.get(p)
                if blob is None:
                    blob = self._blob(e[7], e[8])
                    if blob is None:
                        continue
                entries[p] = (*e[:7], offset, len(blob), *e[9:])
                chunks.append(blob)
                offset += len(blob)
            self.close()
            self._write(self.data_path, b"".join(chunks))
            written = time.time_ns()
            index = marshal.dumps({"version": VERSION, "settings": self.settings_key, "token": token,
                                   "written_ns": written, "entries": entries})
            self._write(self.index_path, index)
            self.entries, self.token, self.fresh, self.dirty = entries, token, {}, False
            self.written_ns = written
        except Exception:  # noqa: BLE001, S110 - unwritable folder: no cache
            pass
        finally:
            self.close()

    def _write(self, path: str, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


def _objects_from_state(file: SourceFile, docs: list[tuple[int, Any]]) -> list[tuple[Any, ...]]:
    """The object index of a file loaded in a worker process (its SourceFile here has no documents yet)."""
    shadow = SourceFile(file.path, file.abspath, file.kind)
    shadow.documents = [Document(shadow, i, data) for i, data in docs]
    return object_index(shadow)

