"""What loading a file produces: its text, its documents (data plus the node tree that knows positions), and problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eksa_lint.load.positions import LineIndex
from yaml.nodes import Node


@dataclass(frozen=True)
class LoadProblem:
    """A loader finding (EKSA001-EKSA007) at a 1-based position of its file."""

    rule_id: str
    message: str
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None


@dataclass(eq=False)
class SourceFile:
    """One discovered file. `path` is relative to the repo root, with forward slashes."""

    path: str
    abspath: str
    kind: str  # "yaml", "json", "csv", "text"
    text: str = ""
    reported: bool = True
    problems: list[LoadProblem] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    csv_rows: list[CsvRow] = field(default_factory=list)
    csv_header: tuple[str, ...] = ()
    skipped: bool = False  # templated, unreadable, over the size limit: no documents
    _lines: LineIndex | None = field(default=None, repr=False)

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
    in it: then the file's text is composed again (`lazy=True`)."""

    __slots__ = ("_node", "data", "file", "index")

    def __init__(self, file: SourceFile, index: int, data: Any, node: Node | None = None, lazy: bool = False) -> None:
        self.file = file
        self.index = index  # 0-based document index in the file
        self.data = data
        self._node = _UNSET if lazy else node

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


@dataclass(frozen=True)
class CsvRow:
    """One data row of a CSV file: its 1-based line, values by column name, and 1-based column of each cell."""

    line: int
    values: dict[str, str]
    columns: dict[str, int]
    raw: str
