"""The lifeline of the function runtimes one process starts: a small watcher process that kills their process
groups when that process dies, however it dies (SIGKILL included).

Each runtime also watches its own stdin for the emulator's end, but only its Node thread can act on it, and a
function busy in a synchronous loop or an execSync never gets to: without the watcher it would run on, its
timeout enforced by no one. On Lambda the whole sandbox goes. The watcher holds the read end of a pipe whose
write end only the emulator holds; it is told each runtime's process group as the runtime starts and ends, and
kills those still running when the pipe closes, which is also how it ends after a clean stop (every group
released by then). A process a function moved into a session of its own (setsid,
`detached: true`) has left the group and is out of its reach.

Run by `Lifeline` as `python -I -S lifeline.py` (standard library only, no site: it starts in a few ms).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path


class Lifeline:
    """The emulator's side: starts the watcher and tells it which process groups to end with the emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watcher = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__))],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own session: a signal to the emulator's process group does not reach it before it has done its work.
            start_new_session=True,
        )
        self._broken = False

    def hold(self, group: int) -> None:
        """From now on, the group ends with the emulator."""
        self._tell(f"+{group}\n")

    def release(self, group: int) -> None:
        """The group has ended (its leader was waited for): the watcher forgets it, so that a reused id is never hit."""
        self._tell(f"-{group}\n")

    def _tell(self, line: str) -> None:
        stdin = self._watcher.stdin
        assert stdin is not None
        with self._lock:
            if self._broken:
                return
            try:
                stdin.write(line.encode())
                stdin.flush()
            except (BrokenPipeError, ValueError):
                self._broken = True
                print("[lambda] the runtimes' lifeline watcher is gone: a function busy when the emulator is killed "
                      "may outlive it", file=sys.stderr, flush=True)


_current: Lifeline | None = None


def start() -> None:
    """Starts this process's lifeline (the embedded emulator's start, or a LocalStack init's); runtimes spawned from
    then on are held by it."""
    global _current
    if _current is None:
        _current = Lifeline()


def hold(group: int) -> None:
    """The runtime leading `group` ends with this process, where it started a lifeline (else nothing changes)."""
    if _current:
        _current.hold(group)


def release(group: int) -> None:
    """The runtime leading `group` was waited for: the lifeline, if any, forgets it."""
    if _current:
        _current.release(group)


def _watch() -> None:
    groups: set[int] = set()
    for line in sys.stdin.buffer:
        sign, group = line[:1], line[1:].strip()
        if group.isdigit():
            (groups.add if sign == b"+" else groups.discard)(int(group))
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # ended by itself meanwhile


if __name__ == "__main__":
    _watch()
