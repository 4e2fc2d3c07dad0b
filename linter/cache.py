"""Context cache, in `.eksa-lint-cache/` at the repo root: what loading produced for each context file (the
files a run loads but does not report on), so a one-file run in a large repo parses one file.

It is made for the pre-commit case, one changed file in a large repo, where even one Python object per
context file is too slow. Two files:
- the index (`index-v5.marshal`), read whole at start:
  - the file table: per path its kind, key (git's `ls-files` entry for a file git calls clean, else the stat
    key) and where its data is in the data file, as columns (a list of paths, a list of keys, the kinds as one
    str, offsets and lengths as packed arrays): reading 10,000 4-tuples cost twice as long;
  - `objects`: per kind, the identity of each object (path, document, node path, apiVersion, name, namespace)
    in path order, so the model indexes a kind without creating anything for the others;
  - sparse tables for what is rare: loader problems and odd document lists (`extra`), hardware CSV rows
    (`csv`), and content digests of entries whose stat key is too close to the write to be trusted (`racy`);
- the data (`data-v5.bin`): per file the marshalled data of its documents, read with one pread when a rule
  first touches an object of that file; new entries are appended, and the file is rewritten once half of
  it is dead.
The file's text is not cached: it is read from disk if a finding needs a position in it. Any error -> the
cache (or the entry) is ignored and the file is parsed as usual.
"""

from __future__ import annotations

import marshal
import os
import time
import zlib
from array import array
from operator import itemgetter
from typing import Any

from eksa_lint.load import apply_state, file_state
from eksa_lint.load.source import _UNSET, Document, LoadProblem, SourceFile

CACHE_DIR = ".eksa-lint-cache"
# Bump when loading changes what it produces (a stale format must never change results).
VERSION = 6  # 6: CSV rows keep their whole text (multi-line quoted cells)
_INDEX = f"index-v{VERSION}.marshal"
_DATA = f"data-v{VERSION}.bin"
_TOKEN_LEN = 16
_ONE_DOC = [0]
_NO_EXTRA = ([], False, _ONE_DOC, True)  # problems, skipped, document indices, whether the loader kept the text

class CacheCorrupt(Exception):
    """The index holds something this module did not write: the run starts again without the cache."""


RACY_NS = 2_000_000_000  # a file changed this close to the cache write may change again with the same stat


def stat_key(path: str) -> tuple[int, ...] | None:
    from eksa_lint.discover import file_key

    try:
        st = os.stat(path)
    except OSError:
        return None
    return file_key(st)


def _digest(text: str) -> bytes:
    import hashlib

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
    """(path, doc index, node path, apiVersion, kind, name, namespace) of each object, as the model derives
    them."""
    from eksa_lint.model import Obj, objects_in

    out = []
    for doc in file.documents:
        for base, data in objects_in(doc.data):
            o = Obj(doc, data, base)
            out.append((file.path, doc.index, base, o.api_version, o.kind, o.name, o.namespace))
    return out


def _checked(raw: bytes) -> memoryview | None:
    """The payload of `crc32 (4 bytes) + payload`, or None when it does not match (a torn or damaged file);
    a view, not a copy (the index is ~2 MB at 10,000 files)."""
    payload = memoryview(raw)[4:]
    if len(raw) < 4 or zlib.crc32(payload).to_bytes(4, "little") != raw[:4]:
        return None
    return payload


_KIND_CODE = {"yaml": "y", "json": "j", "csv": "c", "text": "t"}
_CODE_KIND = {c: k for k, c in _KIND_CODE.items()}


class FileTable:
    """The per-file table, path -> (kind, key, data offset, data length), as a read-only mapping over columns.

    The entries whose key is an ls-files entry (str) come first, the stat-keyed ones after `nstr`: the known-
    entries table is then a dict(zip(...)) of two column slices, built in C."""

    __slots__ = ("kinds", "lens", "nstr", "offs", "paths", "pos", "tkeys")

    def __init__(self, paths: list[str], kinds: str, keys: list[Any], offs: array, lens: array, nstr: int) -> None:
        self.paths, self.kinds, self.tkeys, self.offs, self.lens, self.nstr = paths, kinds, keys, offs, lens, nstr
        self.pos = dict(zip(paths, range(len(paths))))

    @classmethod
    def build(cls, files: dict[str, tuple[Any, ...]]) -> FileTable:
        rows = sorted(files.items(), key=lambda r: (type(r[1][1]) is tuple, r[0]))
        nstr = sum(1 for _, e in rows if type(e[1]) is not tuple)
        return cls([p for p, _ in rows], "".join(_KIND_CODE[e[0]] for _, e in rows), [e[1] for _, e in rows],
                   array("q", [e[2] for _, e in rows]), array("q", [e[3] for _, e in rows]), nstr)

    def columns(self) -> dict[str, Any]:
        return {"paths": self.paths, "kinds": self.kinds, "keys": self.tkeys, "offs": self.offs.tobytes(),
                "lens": self.lens.tobytes(), "nstr": self.nstr}

    @classmethod
    def from_columns(cls, c: Any) -> FileTable | None:
        """The table of an index's columns, or None when they are not what `columns` writes."""
        try:
            paths, kinds, keys, nstr = c["paths"], c["kinds"], c["keys"], c["nstr"]
            if not (type(paths) is list and type(kinds) is str and type(keys) is list and type(nstr) is int):
                return None
            offs, lens = array("q"), array("q")
            offs.frombytes(c["offs"])
            lens.frombytes(c["lens"])
        except (KeyError, TypeError, ValueError):
            return None
        n = len(paths)
        if not (len(kinds) == len(keys) == len(offs) == len(lens) == n and 0 <= nstr <= n):
            return None
        if n and not (set(map(type, paths)) == {str} and set(kinds) <= _CODE_KIND.keys()
                      and set(map(type, keys[:nstr])) <= {str} and set(map(type, keys[nstr:])) <= {tuple}
                      and min(offs) >= 0 and min(lens) >= 0):
            return None
        table = cls(paths, kinds, keys, offs, lens, nstr)
        return table if len(table.pos) == n else None  # a path twice

    def _row(self, i: int) -> tuple[Any, ...]:
        return _CODE_KIND[self.kinds[i]], self.tkeys[i], self.offs[i], self.lens[i]

    def get(self, path: str, default: Any = None) -> Any:
        i = self.pos.get(path)
        return default if i is None else self._row(i)

    def __getitem__(self, path: str) -> tuple[Any, ...]:
        return self._row(self.pos[path])

    def __contains__(self, path: object) -> bool:
        return path in self.pos

    def __iter__(self) -> Any:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def keys(self) -> Any:
        return self.pos.keys()  # a dict's view: set operations with it run in C

    def items(self) -> Any:
        return ((p, self._row(i)) for i, p in enumerate(self.paths))

    def values(self) -> Any:
        return (self._row(i) for i in range(len(self.paths)))

    def stat_keyed(self) -> list[str]:
        """The paths whose key is a stat key."""
        return self.paths[self.nstr:]

    def known(self, ignored: list[str]) -> dict[str, str]:
        """{ls-files entry: path}, and {entry: ""} for the ignored entries."""
        table = dict.fromkeys(ignored, "")
        table.update(zip(self.tkeys[:self.nstr], self.paths[:self.nstr]))
        return table


class ContextCache:
    def __init__(self, root: str, settings_key: tuple[Any, ...]) -> None:
        self.root = root
        self.dir = os.path.join(root, CACHE_DIR)
        self.index_path = os.path.join(self.dir, _INDEX)
        self.data_path = os.path.join(self.dir, _DATA)
        self.settings_key = settings_key  # (max bytes, docs mode, hardware globs): what loading depends on
        self.files: Any = {}  # path -> (kind, key, offset, length): a FileTable, or a dict after a save
        self.objects: dict[str, list[tuple[Any, ...]]] = {}
        self.extra: dict[str, tuple[Any, ...]] = {}
        self.csv: dict[str, tuple[Any, ...]] = {}
        self.racy: dict[str, bytes] = {}
        self.ignored: list[str] = []  # ls-files entries of files that are not candidates
        self._known: dict[str, str] | None = None
        self.token = b""
        self.written_ns = 0  # when the index was written: stat keys changed within RACY_NS of it are racy
        self.data_size = 0  # bytes of the data file the index knows of
        # what this run adds: path -> (entry, blob, objects, extra, csv state, digest)
        self.new: dict[str, tuple[Any, ...]] = {}
        self.dirty = False
        self._fd: int | None = None
        try:
            with open(self.index_path, "rb") as fh:
                payload = _checked(fh.read())  # marshal.load(fh) reads in small pieces: 6x slower
            loaded = marshal.loads(payload) if payload is not None else None
            if (isinstance(loaded, dict) and loaded.get("version") == VERSION
                    and loaded.get("settings") == settings_key):
                files = FileTable.from_columns(loaded["files"])
                objects = loaded["objects"]
                extra, csv, racy, ignored = loaded["extra"], loaded["csv"], loaded["racy"], loaded["ignored"]
                if (files is not None and all(type(x) is dict for x in (objects, extra, csv, racy))
                        and type(ignored) is list and set(map(type, ignored)) <= {str}
                        and _well_formed(objects, extra)):
                    self.files, self.objects, self.extra, self.csv, self.racy = files, objects, extra, csv, racy
                    self.ignored = ignored
                    self.token = loaded["token"]
                    self.written_ns = int(loaded["written_ns"])
                    self.data_size = int(loaded["data_size"])
        except Exception:  # noqa: BLE001 - a missing or corrupt cache is ignored
            self.files = {}

    # -- reading --------------------------------------------------------------------------------------------------

    def stale(self, context: dict[str, tuple[str, Any]]) -> list[str]:
        """The context paths the cache cannot serve: new, changed, or of a kind it does not keep."""
        files = self.files
        docs_mode = self.settings_key[1]
        out = []
        for path, (kind, key) in context.items():
            e = files.get(path)
            if e is None or e[1] != key or e[0] != kind or (docs_mode and kind == "text"):
                out.append(path)  # (entries are 4-tuples: checked when the index was read)
            elif type(key) is tuple and key[1] >= self.written_ns - RACY_NS:
                # a stat key that changed right around the last write (git's "racy" case: coarse timestamps,
                # or an edit in the same tick) cannot tell alone: compare the content
                if not _same_content(os.path.join(self.root, path), self.racy.get(path)):
                    out.append(path)
                elif time.time_ns() - key[1] > RACY_NS:
                    self.dirty = True  # written again now, the entry is no longer racy
        return out

    def known(self) -> dict[str, str]:
        """{ls-files entry: path} of the entries the cache holds files for, and {entry: ""} of those it ignores
        (kept in the index: the entries are the same str objects as the files' keys, read once)."""
        if self._known is None:
            files = self.files
            self._known = files.known(self.ignored) if isinstance(files, FileTable) else self._table(files)
        return self._known

    def plan(self, context: dict[str, tuple[str, Any]], stale: list[str], listing: Any,
             reported: set[str]) -> tuple[set[str], set[str]]:
        """(paths the cache must not serve in this run, paths whose entries it drops when saving).

        A full listing: everything not in the context, and the stale. A fast one (the context holds only what
        changed): entries git no longer lists, files git reports changed, reported files, stat-keyed entries
        not stat'ed in this run (gone), and the stale."""
        skip = set(stale)
        if listing is None or not listing.fast:
            skip.update(self.files.keys() - context.keys())  # gone, or reported in this run
            return skip, skip
        files = self.files
        for entry in listing.gone:  # (a file git now reports changed is in the context, and stale)
            p = entry.partition("\t")[2]
            e = files.get(p)
            if e is not None and e[1] == entry:
                skip.add(p)
        stat_keyed = files.stat_keyed() if isinstance(files, FileTable) else [
            p for p, e in files.items() if type(e[1]) is tuple]
        skip.update(p for p in stat_keyed if p not in context and p not in reported)
        # a file git reports changed that was not stat'ed into the context is gone (deleted, not a file now)
        skip.update(p for p in listing.dirty if p in files and p not in context and p not in reported)
        drop = set(skip)  # a reported file keeps its entry: when it is context again, its key decides
        skip.update(p for p in reported if p in files)
        return skip, drop

    def view(self, skip: set[str]) -> ContextView:
        """The fresh context files, served from the cache without loading them."""
        return ContextView(self, skip)

    def _blob(self, offset: int, length: int) -> bytes | None:
        try:
            if self._fd is None:
                fd = os.open(self.data_path, os.O_RDONLY)
                if not self.token or os.pread(fd, _TOKEN_LEN, 0) != self.token:
                    os.close(fd)
                    return None
                self._fd = fd
            if offset + length > self.data_size:
                return None
            data = os.pread(self._fd, length, offset)
            return data if len(data) == length else None
        except (OSError, ValueError, OverflowError):
            return None

    def fill(self, file: SourceFile) -> None:
        """Give a cache-backed file's documents their data (from the data file; parsed again when unreadable)."""
        entry = self.files.get(file.path)
        datas = None
        try:
            raw = self._blob(entry[2], entry[3]) if entry is not None else None
            datas = marshal.loads(raw) if raw is not None else None
        except (ValueError, EOFError, TypeError, IndexError):
            datas = None
        if not isinstance(datas, list) or len(datas) != len(file.documents):
            # unreadable: parse the file itself (same content: its key matched)
            from eksa_lint.load import load_file

            fresh = load_file(SourceFile(file.path, file.abspath, file.kind), self.settings_key[0],
                              docs=self.settings_key[1])
            datas = [d.data for d in fresh.documents]
            datas += [None] * (len(file.documents) - len(datas))
        for doc, data in zip(file.documents, datas):
            doc._data = data

    def discard(self) -> None:
        """Remove the index (it held something this module did not write)."""
        self.close()
        try:
            os.unlink(self.index_path)
        except OSError:
            pass

    def close(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------------------------------

    def put(self, file: SourceFile, key: Any, state: tuple[Any, ...] | None = None) -> None:
        """Remember a context file loaded in this run, under the key discovery saw for it."""
        if file.kind == "text":
            if self.settings_key[1]:
                return  # docs mode: its documents point into blocks, not kept
            text, skipped, problems, docs = file.text, file.skipped, file.problems, []
            problems = [(p.rule_id, p.message, p.line, p.col, p.end_line, p.end_col) for p in problems]
        else:
            if state is None:
                state = file_state(file)
            if state is None:
                return
            text, skipped, problems, docs, _header, _rows = state
        try:
            if file.kind == "csv":
                blob, objects, csv_state = b"", [], state
                extra = None
            else:
                blob = marshal.dumps([data for _, data in docs])
                objects = object_index(file) if file.documents or not docs else _objects_from_state(file, docs)
                csv_state = None
                extra = (problems, bool(skipped), [i for i, _ in docs], bool(text))
                if extra[0] == [] and not extra[1] and extra[2] == _ONE_DOC and extra[3]:
                    extra = None
        except (ValueError, TypeError):  # data marshal cannot hold (recursive aliases): not cached
            return
        digest = _digest(text) if type(key) is tuple else None
        self.new[file.path] = ((file.kind, key, 0, len(blob)), blob, objects, extra, csv_state, digest)
        self.dirty = True

    def save(self, drop: set[str], listing: Any = None) -> None:
        """Write the cache when it changed: new blobs appended to the data file (a fresh file, with a new token,
        when half of it is dead), then the index replaced atomically. Entries in `drop` are dropped."""
        ignored = self.ignored
        if listing is not None:
            current = [e for e in ignored if e in listing.entries] if listing.fast else []
            ignored = current + listing.ignored
            if len(ignored) != len(self.ignored) or set(ignored) != set(self.ignored):
                self.dirty = True
        if drop & self.files.keys():
            self.dirty = True
        if not self.dirty:
            return
        self.ignored = ignored
        try:
            self._save(drop)
        except Exception:  # noqa: BLE001, S110 - unwritable folder: no cache
            pass
        finally:
            self.close()

    def _save(self, drop: set[str]) -> None:
        new = self.new
        files = {p: e for p, e in self.files.items() if p not in drop and p not in new}  # a dict from here on
        live = sum(e[3] for e in files.values()) + sum(len(n[1]) for n in new.values())
        os.makedirs(self.dir, exist_ok=True)
        gi = os.path.join(self.dir, ".gitignore")
        if not os.path.exists(gi):
            with open(gi, "w", encoding="utf-8") as fh:
                fh.write("# Automatically created by eksa-lint.\n*\n")
        appended = self._append([n[1] for n in new.values()]) if live * 2 >= self.data_size else None
        if appended is None:  # compact: every live blob into a new data file
            token = os.urandom(_TOKEN_LEN)
            chunks, offset = [token], _TOKEN_LEN
            for p, e in list(files.items()):
                blob = self._blob(e[2], e[3]) if e[3] else b""
                if blob is None:
                    del files[p]
                    continue
                files[p] = (e[0], e[1], offset, e[3])
                chunks.append(blob)
                offset += e[3]
            starts = []
            for n in new.values():
                starts.append(offset)
                chunks.append(n[1])
                offset += len(n[1])
            self.close()
            self._write(self.data_path, b"".join(chunks))
            self.token, data_size = token, offset
        else:
            starts, data_size = appended
        gone = self.files.keys() - files.keys()
        objects: dict[str, list[tuple[Any, ...]]] = {}
        for kind, items in self.objects.items():
            kept = [t for t in items if t[0] not in gone] if gone else items
            if kept:
                objects[kind] = kept
        added: set[str] = set()
        for (p, n), start in zip(new.items(), starts):
            kind, key, _, length = n[0]
            files[p] = (kind, key, start, length)
            for t in n[2]:
                objects.setdefault(t[4], []).append(t[:4] + t[5:])
                added.add(t[4])
        for kind in added:
            objects[kind] = sorted(objects[kind], key=_path_of)  # stable: a file's objects stay in order
        extra = {p: v for p, v in self.extra.items() if p in files and p not in new}
        csv = {p: v for p, v in self.csv.items() if p in files and p not in new}
        racy = {p: v for p, v in self.racy.items() if p in files and p not in new}
        for p, n in new.items():
            if n[3] is not None:
                extra[p] = n[3]
            if n[4] is not None:
                csv[p] = n[4]
            if n[5] is not None:
                racy[p] = n[5]
        # one str object per distinct path, apiVersion and namespace: marshal writes a repeated object once and
        # reads it back shared, which halves the time to read the index (each object's path is also a key)
        memo: dict[str, str] = {}
        same = memo.setdefault
        files = {same(p, p): (same(e[0], e[0]), *e[1:]) for p, e in files.items()}
        objects = {kind: [(same(t[0], t[0]), t[1], t[2], same(t[3], t[3]), t[4],
                           same(t[5], t[5]) if t[5] is not None else None) for t in items]
                   for kind, items in objects.items()}
        written = time.time_ns()
        # digests are only needed for stat keys close to this write
        racy = {p: d for p, d in racy.items() if type(files[p][1]) is tuple and files[p][1][1] >= written - RACY_NS}
        table = FileTable.build(files)
        payload = marshal.dumps({"version": VERSION, "settings": self.settings_key, "token": self.token,
                                 "written_ns": written, "data_size": data_size, "files": table.columns(),
                                 "objects": objects, "extra": extra, "csv": csv, "racy": racy,
                                 "ignored": self.ignored})
        self._write(self.index_path, zlib.crc32(payload).to_bytes(4, "little") + payload)
        self.files, self.objects, self.extra, self.csv, self.racy = table, objects, extra, csv, racy
        self.new, self.dirty, self.written_ns, self.data_size = {}, False, written, data_size
        self._known = None

    def _table(self, files: dict[str, tuple[Any, ...]]) -> dict[str, str]:
        """The known-entries table of `files` and the ignored entries (see `known`)."""
        table = dict.fromkeys(self.ignored, "")
        for p, e in files.items():
            if type(e[1]) is str:
                table[e[1]] = p
        return table

    def _append(self, blobs: list[bytes]) -> tuple[list[int], int] | None:
        """Append blobs to the data file this index belongs to: (their offsets, new size), or None when there is
        no such file (then the caller writes a new one)."""
        if not self.token:
            return None
        try:
            fd = os.open(self.data_path, os.O_WRONLY | os.O_APPEND)
        except OSError:
            return None
        try:
            with open(self.data_path, "rb") as check:
                if check.read(_TOKEN_LEN) != self.token:
                    return None
            chunk = b"".join(blobs)
            n = os.write(fd, chunk) if chunk else 0
            if n != len(chunk):
                return None
            end = os.lseek(fd, 0, os.SEEK_CUR) if chunk else os.fstat(fd).st_size
        finally:
            os.close(fd)
        start = end - len(chunk)
        offsets = []
        for b in blobs:
            offsets.append(start)
            start += len(b)
        return offsets, end

    def _write(self, path: str, data: bytes) -> None:
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


def _well_formed(objects: dict[Any, Any], extra: dict[Any, Any]) -> bool:
    """The shapes of the sparse per-file tables (a damaged index passes its CRC only if written so), checked with
    C-level map/set operations: a loop in Python over 10,000 entries costs several ms. Object tuples are
    checked when a kind is read (`ContextView.objects` raises CacheCorrupt); the file table by FileTable."""
    ext = list(extra.values())
    if ext and not (set(map(type, ext)) == {tuple} and set(map(len, ext)) == {4}
                    and set(map(type, map(itemgetter(0), ext))) == {list}
                    and set(map(type, map(itemgetter(2), ext))) == {list}):
        return False
    return all(type(items) is list for items in objects.values())


def _path_of(t: tuple[Any, ...]) -> str:
    return t[0]


class ContextView:
    """The context files the cache serves, as the model asks for them: a kind's objects (with lazy files and
    documents, shared between kinds), files of some kinds, or everything. Nothing is created for a file
    until one of its objects or the file itself is asked for."""

    def __init__(self, cache: ContextCache, skip: set[str]) -> None:
        self.cache = cache
        self.skip = skip
        self.prefix = cache.root.rstrip(os.sep) + os.sep
        self._shells: dict[str, SourceFile] = {}
        self._checked: set[str] = set()

    def kinds(self) -> list[str]:
        return list(self.cache.objects)

    def paths(self) -> list[str]:
        skip = self.skip
        return [p for p in self.cache.files if p not in skip]

    def file(self, path: str) -> SourceFile | None:
        f = self._shells.get(path)
        if f is None and path not in self.skip:
            entry = self.cache.files.get(path)
            if entry is not None:
                f = self._shell(path, entry)
        return f

    def files(self, kinds: tuple[str, ...] | None = None) -> list[SourceFile]:
        """The served files (of these kinds), in path order."""
        out = []
        skip, shells, files = self.skip, self._shells, self.cache.files
        # hardware CSVs: the cache keeps their rows in a table of their own, no need to look at every entry
        entries = ((p, files[p]) for p in self.cache.csv if p in files) if kinds == ("csv",) else files.items()
        for p, e in entries:
            if p in skip or (kinds is not None and e[0] not in kinds):
                continue
            f = shells.get(p)
            out.append(f if f is not None else self._shell(p, e))
        out.sort(key=lambda f: f.path)
        return out

    def _shell(self, path: str, entry: tuple[Any, ...]) -> SourceFile:
        cache = self.cache
        kind, key = entry[0], entry[1]
        f = SourceFile(path, self.prefix + path, kind, reported=False,
                       stat_key=key if type(key) is tuple else None)
        state = cache.csv.get(path)
        if state is not None:
            apply_state(f, state)
        else:
            problems, skipped, doc_indices, text_kept = cache.extra.get(path, _NO_EXTRA)
            f.documents = [Document(f, i, _UNSET, lazy=True) for i in doc_indices]
            # read from disk only if needed; a file the loader kept no text of (binary, too big) has none
            f._text = None if text_kept else ""
            if problems:
                f.problems = [LoadProblem(*p) for p in problems]
            f.skipped = bool(skipped)
            if f.documents:
                f._loader = cache.fill
        self._shells[path] = f
        return f

    def _items(self, kind: str) -> list[tuple[Any, ...]]:
        """A kind's object tuples, their shapes checked (C-level, once per kind): CacheCorrupt if the index
        holds something this module did not write."""
        items = self.cache.objects.get(kind, [])
        if kind not in self._checked:
            if type(items) is not list:
                raise CacheCorrupt(kind)
            if items and not (
                set(map(type, items)) == {tuple} and set(map(len, items)) == {6}
                and set(map(itemgetter(0), items)) <= self.cache.files.keys()
                and set(map(type, map(itemgetter(1), items))) == {int}
                and set(map(type, map(itemgetter(2), items))) == {tuple}
                and set(map(type, map(itemgetter(3), items))) == {str}
                and set(map(type, map(itemgetter(4), items))) <= {str, type(None)}
                and set(map(type, map(itemgetter(5), items))) <= {str, type(None)}
            ):
                raise CacheCorrupt(kind)
            self._checked.add(kind)
        return items

    def identities(self, kind: str) -> list[tuple[str, str, Any, Any]]:
        """(path, apiVersion, name, namespace) of each served object of `kind`, creating nothing."""
        skip = self.skip
        return [(t[0], t[3], t[4], t[5]) for t in self._items(kind) if t[0] not in skip]

    def objects(self, kind: str, namespace: Any = ..., in_path: Any = None
                ) -> list[tuple[SourceFile, Document, Any, str, Any, Any]]:
        """(file, document, node path, apiVersion, name, namespace) of each served object of `kind`; only those
        whose effective namespace is `namespace` when it is a str, or None for a cluster-scoped kind; only
        those whose path passes `in_path` when given. Raises CacheCorrupt on an entry it did not write."""
        from eksa_lint.model import CLUSTER_SCOPED_KINDS

        items = self._items(kind)
        if type(namespace) is str or namespace is None:
            if (kind in CLUSTER_SCOPED_KINDS) != (namespace is None):
                return []  # a cluster-scoped kind has no namespace; a namespaced one always has one
            if namespace is not None:
                items = [t for t in items if (t[5] or "default") == namespace]
        if in_path is not None:
            items = [t for t in items if in_path(t[0])]
        out = []
        skip, shells, files = self.skip, self._shells, self.cache.files
        for path, index, base, av, name, ns in items:
            if path in skip:
                continue
            f = shells.get(path)
            if f is None:
                f = self._shell(path, files[path])
            docs = f.documents
            doc = docs[0] if docs and docs[0].index == index else next((d for d in docs if d.index == index), None)
            if doc is None:
                raise CacheCorrupt(path)  # an object of a document its file does not have
            out.append((f, doc, base, av, name, ns))
        return out


def _objects_from_state(file: SourceFile, docs: list[tuple[int, Any]]) -> list[tuple[Any, ...]]:
    """The object index of a file loaded in a worker process (its SourceFile here has no documents yet)."""
    shadow = SourceFile(file.path, file.abspath, file.kind)
    shadow.documents = [Document(shadow, i, data) for i, data in docs]
    return object_index(shadow)
