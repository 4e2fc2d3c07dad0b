"""Run git and read what it prints, without importing `subprocess` where `os.posix_spawnp` exists.

`import subprocess` (with the threading, signal, selectors and locale modules it pulls in) costs 10-15 ms, a
tenth of a pre-commit run on one file; a one-file run only needs to start git, read its standard output to the
end and collect its exit status, which `os` does directly. Elsewhere (Windows) subprocess does it. git runs with
`-C ROOT` (posix_spawn has no working directory), standard input and error on the null device, and
GIT_OPTIONAL_LOCKS=0 so that a lint never takes the index lock.
"""

from __future__ import annotations

import os
from typing import Any

_SPAWN = hasattr(os, "posix_spawnp")


class GitProc:
    """A started git command; `finish()` reads its output to the end and waits for it."""

    __slots__ = ("_fd", "_pid", "_popen")

    def __init__(self, root: str, args: list[str] | tuple[str, ...]) -> None:
        argv = ["git", "-C", root, *args]
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
        self._popen: Any = None
        self._pid = -1
        self._fd = -1
        if not _SPAWN:  # pragma: no cover - Windows
            import subprocess

            self._popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, env=env)  # fmt: skip
            return
        r, w = os.pipe()  # both close-on-exec; the child gets `w` as its fd 1 only
        try:
            self._pid = os.posix_spawnp("git", argv, env, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, w, 1),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ])  # fmt: skip
        except BaseException:
            os.close(r)
            raise
        finally:
            os.close(w)
        self._fd = r

    def finish(self) -> tuple[int, bytes]:
        """(exit code, standard output). Reads to the end of the output first: git never waits on us."""
        if self._popen is not None:  # pragma: no cover - Windows
            with self._popen as p:
                out = p.stdout.read()
            return p.returncode, out
        chunks = []
        try:
            while True:
                got = os.read(self._fd, 1 << 20)
                if not got:
                    break
                chunks.append(got)
        finally:
            os.close(self._fd)
            self._fd = -1
            status = os.waitpid(self._pid, 0)[1]
        return os.waitstatus_to_exitcode(status), b"".join(chunks)

    def kill(self) -> None:
        """Stop it (after an error on our side) and collect it."""
        if self._popen is not None:  # pragma: no cover - Windows
            self._popen.kill()
            self._popen.wait()
            return
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            try:
                os.kill(self._pid, 9)
            except OSError:
                pass
            os.waitpid(self._pid, 0)


def git(root: str, *args: str) -> tuple[int, bytes]:
    """Run `git -C root ARGS...`: (exit code, standard output). Raises OSError when git cannot be started."""
    return GitProc(root, args).finish()
