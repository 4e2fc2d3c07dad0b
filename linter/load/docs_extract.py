"""Manifests inside runbooks: fenced ```yaml blocks of Markdown and shell heredocs fed to `kubectl apply/create`.

Each block is parsed from a *masked* copy of the file in which every character outside the block is a space
(line breaks kept), so offsets, lines and columns of the block's nodes are those of the real file.
"""

from __future__ import annotations

import re

_FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\s`]*)[^\n]*$")
_HEREDOC_RE = re.compile(r"<<(?P<dash>-?)[ \t]*(?P<q>['\"]?)(?P<tag>[A-Za-z_][A-Za-z0-9_]*)(?P=q)")
_KUBECTL_RE = re.compile(r"\bkubectl\b[^\n|;&]*\b(?:apply|create|replace)\b")
YAML_INFOS = frozenset({"yaml", "yml"})
SHELL_INFOS = frozenset({"bash", "sh", "shell", "console", "zsh"})


def _heredocs(lines: list[str], first: int, last: int) -> list[tuple[int, int]]:
    """(first, last) 0-based line ranges of heredoc bodies fed to kubectl apply/create within lines[first:last]."""
    out: list[tuple[int, int]] = []
    i = first
    while i < last:
        line = lines[i]
        m = _HEREDOC_RE.search(line)
        if m is None:
            i += 1
            continue
        # the command may continue on the next line (`cat <<EOF |` / `  kubectl apply -f -`)
        command = line if not line.rstrip().endswith(("|", "\\")) else line + " " + (lines[i + 1] if i + 1 < last else "")
        tag = m.group("tag")
        j = i + 1
        # compared stripped: in Markdown the whole block may be indented under a list item
        while j < last and lines[j].strip() != tag:
            j += 1
        if _KUBECTL_RE.search(command) and j > i + 1:
            out.append((i + 1, j - 1))
        i = j + 1
    return out


def extract_blocks(text: str, kind: str) -> list[tuple[int, int]]:
    """0-based inclusive line ranges holding YAML manifests: `kind` is "markdown" or "shell"."""
    lines = text.split("\n")
    if kind == "shell":
        return _heredocs(lines, 0, len(lines))
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        m = _FENCE_RE.match(lines[i])
        if m is None:
            i += 1
            continue
        fence = m.group("fence")
        info = m.group("info").lower()
        j = i + 1
        while j < len(lines):
            close = _FENCE_RE.match(lines[j])
            if close and close.group("fence").startswith(fence[0] * len(fence)) and not close.group("info"):
                break
            j += 1
        if info in YAML_INFOS and j > i + 1:
            out.append((i + 1, j - 1))
        elif info in SHELL_INFOS:
            out.extend(_heredocs(lines, i + 1, j))
        i = j + 1
    return out


def masked(text: str, first: int, last: int) -> str:
    """`text` with every character outside lines first..last (0-based, inclusive) replaced by a space."""
    lines = text.split("\n")
    return "\n".join(
        line if first <= n <= last else re.sub(r"[^\r]", " ", line) for n, line in enumerate(lines)
    )


def doc_kind(path: str) -> str | None:
    low = path.lower()
    if low.endswith((".md", ".markdown")):
        return "markdown"
    if low.endswith((".sh", ".bash", ".zsh")):
        return "shell"
    return None
