"""What loading a file produces: its text, its documents (data plus the node tree that knows positions), and problems."""

from __future__ import annotations

from typing import Any

from eksa_lint.load.positions import LineIndex
from eksa_lint.record import FrozenRecord
from yaml.nodes import Node


class LoadProblem(FrozenRecord):
    """A loader finding (EKSA001-EKSA007) at a 1-based position of its file."""

    _fields = ("rule_id", "message", "line", "col", "end_line", "end_col")
    __slots__ = _fields

    def __init__(
        self,
        rule_id: str,
        message: str,
        line: int = 1,
        col: int = 1,
        end_line: int | None = None,
        end_col: int | None = None,
    ) -> None:
        object.__setattr__(self, "rule_id", rule_id)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "col", col)
        object.__setattr__(self, "end_line", end_line)
        object.__setattr__(self, "end_col", end_col)


class SourceFile:
    """One discovered file. `path` is relative to the repo root, with forward slashes.

    A context file filled from the cache is lazy: its text is read from disk, and its documents' data is
    unmarshalled, only when something asks for them (a one-file run in a large repo touches few)."""

    __slots__ = ("_lines", "_loader", "_text", "abspath", "csv_header", "csv_rows", "documents", "embedded", "kind",
                 "path", "problems", "reported", "skipped", "stat_key")

    def __init__(self, path: str, abspath: str, kind: str, text: str = "", reported: bool = True,
                 stat_key: tuple[int, ...] | None = None) -> None:
        self.path = path
        self.abspath = abspath
        self.kind = kind  # "yaml", "json", "csv", "text"
        self._text: str | None = text
        self.reported = reported
        self.problems: list[LoadProblem] = []
        self.documents: list[Document] = []
        self.csv_rows: list[CsvRow] = []
        self.csv_header: tuple[str, ...] = ()
        self.skipped = False  # templated, unreadable, over the size limit: no documents
        self.stat_key = stat_key  # discover.file_key as seen by discovery, for the cache
        self._loader: Any = None  # fills the documents' data on first use (cache-backed files)
        self._lines: LineIndex | None = None
        self.embedded: dict[tuple[int, int], Any] | None = None  # JSON strings parsed for positions (locate.py)

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, kind={self.kind!r}, reported={self.reported})"

    @property
    def text(self) -> str:
        if self._text is None:  # a cache-backed file: its text was not cached, read it (the stat key matched)
            self._text = ""
            try:
                with open(self.abspath, "rb") as fh:
                    self._text = fh.read().decode("utf-8").removeprefix("\ufeff")
            except (OSError, UnicodeDecodeError):
                pass
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value
        self._lines = None
        self.embedded = None

    def load_data(self) -> None:
        """Fill the documents' data of a cache-backed file (once)."""
        loader, self._loader = self._loader, None
        if loader is not None:
            loader(self)

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def line_text(self, line: int) -> str:
        idx = self.lines
        if line < 1 or line > idx.line_count:
            return ""
        start = idx.starts[line - 1]
        end = idx.starts[line] if line < idx.line_count else len(self.text)
        return self.text[start:end].rstrip("\r\n\x85\u2028\u2029")


_UNSET: Any = object()


class Document:
    """One YAML/JSON document of a file: the constructed data and the node tree that knows positions.

    A document loaded in a worker process or from the cache has no node tree until a finding needs a position
    in it: then the file's text is composed again (`lazy=True`). A cache-backed document gets its data from
    the cache when first asked (`data=_UNSET`)."""

    __slots__ = ("_data", "_node", "file", "index")

    def __init__(self, file: SourceFile, index: int, data: Any, node: Node | None = None, lazy: bool = False) -> None:
        self.file = file
        self.index = index  # 0-based document index in the file
        self._data = data
        self._node = _UNSET if lazy else node

    @property
    def data(self) -> Any:
        if self._data is _UNSET:
            self.file.load_data()
            if self._data is _UNSET:  # the cache entry could not be read: treat as empty
                self._data = None
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value

    @property
    def node(self) -> Node | None:
        if self._node is _UNSET:
            from eksa_lint.load.yaml_loader import compose_nodes

            nodes = compose_nodes(self.file)
            for doc in self.file.documents:
                if doc._node is _UNSET:
                    doc._node = nodes.get(doc.index)
            if self._node is _UNSET:
                self._node = nodes.get(self.index)
        return self._node

    @node.setter
    def node(self, value: Node | None) -> None:
        self._node = value

    def __repr__(self) -> str:
        return f"Document({self.file.path!r}, {self.index})"


class CsvRow(FrozenRecord):
    """One data row of a CSV file: its 1-based line, values by column name, and 1-based column of each cell."""

    _fields = ("line", "values", "columns", "raw")
    __slots__ = _fields

    def __init__(self, line: int, values: dict[str, str], columns: dict[str, int], raw: str) -> None:
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "raw", raw)
