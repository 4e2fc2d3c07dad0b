"""One reporter per output format; each turns a RunResult into text written to a stream."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, TextIO

from eksa_lint.record import FrozenRecord

if TYPE_CHECKING:
    from eksa_lint.engine import RunResult

FORMATS = ("text", "json", "sarif", "github", "junit")


class ReportOptions(FrozenRecord):
    _fields = ("color", "show_source", "summary", "quiet", "statistics", "show_suppressed")
    __slots__ = _fields

    def __init__(
        self,
        color: bool = False,
        show_source: bool = False,  # the offending line with a caret under the column (text, on a TTY)
        summary: bool = True,
        quiet: bool = False,
        statistics: bool = False,
        show_suppressed: bool = False,
    ) -> None:
        object.__setattr__(self, "color", color)
        object.__setattr__(self, "show_source", show_source)
        object.__setattr__(self, "summary", summary)
        object.__setattr__(self, "quiet", quiet)
        object.__setattr__(self, "statistics", statistics)
        object.__setattr__(self, "show_suppressed", show_suppressed)


class Reporter(Protocol):
    def __call__(self, result: RunResult, out: TextIO, options: ReportOptions) -> None: ...


def get_reporter(fmt: str) -> Reporter:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"eksa_lint.report.{fmt}_report")
    return module.report  # type: ignore[no-any-return]
