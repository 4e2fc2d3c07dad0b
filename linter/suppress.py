"""Inline suppressions: `# eksa-lint: disable=ID[,ID] -- why`, `disable-file=`, and the object annotation."""

from __future__ import annotations

import re

from eksa_lint.load.source import SourceFile
from eksa_lint.record import Record

ANNOTATION = "eksa-lint.io/disable"
_COMMENT_RE = re.compile(
    r"#\s*eksa-lint:\s*(?P<kind>disable-file|disable-next-line|disable)\s*=\s*(?P<ids>[A-Za-z0-9_,\- ]+?)"
    r"\s*(?:--\s*(?P<why>.*?))?\s*$"
)


class Suppression(Record):
    """One rule code named by one suppression comment or annotation."""

    _fields = (
        "code", "scope", "file", "line", "col", "end_col", "applies_to", "justification", "obj_key", "used",
        "span", "siblings", "comment_span", "extra",
    )
    __slots__ = _fields

    def __init__(
        self,
        code: str,  # an ID, an ID prefix, a rule name, or "all"
        scope: str,  # "line", "file" or "object"
        file: str,
        line: int,  # the comment's line (or the annotation key's line)
        col: int,
        end_col: int,
        applies_to: int | None = None,  # the line it covers, for "line" scope
        justification: str = "",
        obj_key: tuple[str, str, str | None, str | None] | None = None,
        used: bool = False,
        # Character span of the code inside the comment, for the "remove unused suppression" fix.
        span: tuple[int, int] = (0, 0),
        siblings: int = 1,
        comment_span: tuple[int, int] = (0, 0),
        extra: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.scope = scope
        self.file = file
        self.line = line
        self.col = col
        self.end_col = end_col
        self.applies_to = applies_to
        self.justification = justification
        self.obj_key = obj_key
        self.used = used
        self.span = span
        self.siblings = siblings
        self.comment_span = comment_span
        self.extra = {} if extra is None else extra

    def matches(self, rule_id: str, rule_name: str) -> bool:
        c = self.code.strip()
        return c.lower() == "all" or rule_id.startswith(c.upper()) or c.lower() == rule_name


def _is_comment_only(line: str) -> bool:
    return line.lstrip().startswith("#")


def parse_comments(file: SourceFile) -> list[Suppression]:
    """Suppression comments of a YAML/CSV/text file."""
    text = file.text
    if "eksa-lint:" not in text:
        return []
    out: list[Suppression] = []
    lines = text.splitlines()
    offset = 0
    starts = []
    for ln in text.splitlines(keepends=True):
        starts.append(offset)
        offset += len(ln)
    for i, line in enumerate(lines):
        if "eksa-lint:" not in line:
            continue
        hash_at = line.find("#", 0)
        m = None
        while hash_at >= 0:
            m = _COMMENT_RE.match(line, hash_at)
            if m:
                break
            hash_at = line.find("#", hash_at + 1)
        if not m:
            continue
        kind = m.group("kind")
        lineno = i + 1
        if kind == "disable-file":
            scope, applies = "file", None
        elif kind == "disable-next-line" or _is_comment_only(line):
            scope = "line"
            applies = lineno + 1
            # the next line that is not itself a comment or blank
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or _is_comment_only(lines[j])):
                j += 1
            applies = j + 1
        else:
            scope, applies = "line", lineno
        codes = [c.strip() for c in m.group("ids").replace(" ", ",").split(",") if c.strip()]
        ids_start = m.start("ids")
        for code in codes:
            at = line.find(code, ids_start)
            out.append(
                Suppression(
                    code=code,
                    scope=scope,
                    file=file.path,
                    line=lineno,
                    col=(at + 1) if at >= 0 else m.start() + 1,
                    end_col=(at + 1 + len(code)) if at >= 0 else m.end() + 1,
                    applies_to=applies,
                    justification=(m.group("why") or "").strip(),
                    span=(starts[i] + at, starts[i] + at + len(code)) if at >= 0 else (0, 0),
                    siblings=len(codes),
                    comment_span=(starts[i] + m.start(), starts[i] + m.end()),
                )
            )
    return out


def removal_edits(s: Suppression, text: str) -> tuple[tuple[int, int, str], ...]:
    """Text edits removing one unused code: the whole comment when it names only this code (the whole line
    when the comment is alone on it), else the code and its comma."""
    if s.scope == "object" or s.span == (0, 0):
        return ()
    if s.siblings <= 1:
        start, end = s.comment_span
        line_start = text.rfind("\n", 0, start) + 1
        nl = text.find("\n", end)
        line_end = len(text) if nl < 0 else nl + 1
        if text[line_start:start].strip() == "":
            return ((line_start, line_end, ""),)
        while start > line_start and text[start - 1] in " \t":
            start -= 1
        return ((start, end, ""),)
    from eksa_lint.fix import list_item_span

    start, end = list_item_span(text, *s.span)
    return ((start, end, ""),)
