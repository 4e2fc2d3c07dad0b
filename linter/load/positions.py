"""Offsets, lines and columns of a source text, and the map from a decoded YAML scalar back to its source."""

from __future__ import annotations

import bisect
import re

# The line breaks YAML (and libyaml) count: CRLF, CR, LF, NEL, LS, PS.
_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class LineIndex:
    """Maps 0-based character offsets of a text to 1-based (line, column) and back."""

    __slots__ = ("length", "starts")

    def __init__(self, text: str) -> None:
        starts = [0]
        if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
            starts.extend(m.end() for m in _BREAK_RE.finditer(text))
        else:
            find = text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
        self.starts = starts
        self.length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a 0-based character offset."""
        offset = max(0, min(offset, self.length))
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def offset(self, line: int, col: int) -> int:
        """0-based offset of a 1-based (line, column)."""
        line = max(1, min(line, len(self.starts)))
        return self.starts[line - 1] + col - 1

    @property
    def line_count(self) -> int:
        return len(self.starts)


_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_LEN = {"x": 2, "u": 4, "U": 8}


def scalar_source_map(raw: str, value: str, style: str | None) -> list[int]:
    """For each character of a scalar's decoded `value`, its offset inside `raw`, the scalar's source text.

    Decoding (line folding, indentation, quote doubling, escapes) only drops or merges source characters,
    so the value is aligned to the source left to right: a character matches itself, a whitespace
    character (a folded line break) matches any whitespace, and a double-quoted escape matches as a unit.
    Unmatched characters fall back to the last matched offset, so the map never points outside `raw`.
    """
    out = [0] * len(value)
    n = len(raw)
    p = 0
    if style in ("|", ">"):
        m = _BREAK_RE.search(raw)  # the header's line break: CR-only and NEL files have no "\n"
        p = m.end() if m else n
    elif style in ("'", '"'):
        p = 1
    last = p
    for i, ch in enumerate(value):
        q = p
        found = -1
        limit = min(n, p + 512)
        while q < limit:
            r = raw[q]
            if style == '"' and r == "\\" and q + 1 < n:
                e = raw[q + 1]
                if e in _HEX_LEN:
                    width = _HEX_LEN[e]
                    try:
                        decoded = chr(int(raw[q + 2 : q + 2 + width], 16))
                    except ValueError:
                        decoded = ""
                    if decoded == ch:
                        found, p = q, q + 2 + width
                        break
                    q += 2 + width
                    continue
                if _ESCAPES.get(e) == ch:
                    found, p = q, q + 2
                    break
                q += 2  # an escaped line break or an escape that decodes to something else
                continue
            if r == ch or (ch in " \n" and r in " \t\r\n\x85"):  # NEL is a YAML line break too
                found, p = q, q + 1
                break
            q += 1
        if found < 0:
            out[i] = last
        else:
            out[i] = last = found
    return out
