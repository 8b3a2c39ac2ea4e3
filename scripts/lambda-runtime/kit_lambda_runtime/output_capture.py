"""Reads a runtime process's output (stdout and stderr share one pipe) into timestamped lines.

`drain()` returns every line written so far: a reader thread owns the pipe, and a drain asks it, through a
wake-up pipe, to read until nothing is left, so lines written before a response are attributed to that
invocation and not to the next one.

The reader waits with `selectors` (epoll, poll): select.select refuses descriptors above 1023, which a busy
emulator or LocalStack reaches. Once the reader has ended, for whatever reason, a drain no longer writes to
its wake-up pipe, whose descriptors are closed (and their numbers perhaps reused) by then.

What it holds is bounded: on Lambda a process is frozen between invocations and writes nothing, here it runs on,
so a function logging from a timer while idle would otherwise grow the capture without end. Past
MAX_HELD_BYTES the oldest lines are dropped and the next drain begins with a line that says how many. A line
longer than MAX_LINE_BYTES (or written without a newline) is split into pieces of at most that size.
"""

from __future__ import annotations

import os
import selectors
from collections import deque
import threading
import time

LogLine = tuple[int, str]
DRAIN_TIMEOUT_S = 2.0
MAX_HELD_BYTES = 8 << 20
MAX_LINE_BYTES = 256 << 10


def now_ms() -> int:
    return int(time.time() * 1000)


class OutputCapture:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        # The reader reads what is there and no more; only this process reads the pipe.
        os.set_blocking(fd, False)
        self._wake_read, self._wake_write = os.pipe()
        # Each line with its size in bytes, which the bound counts.
        self._lines: deque[tuple[int, str, int]] = deque()
        self._held_bytes = 0
        self._dropped_lines = 0
        self._dropped_bytes = 0
        self._partial = bytearray()
        self._condition = threading.Condition()
        self._requested = 0
        self._served = 0
        self._ended = False
        self._thread = threading.Thread(target=self._read, name="runtime-output", daemon=True)
        self._thread.start()

    def drain(self) -> list[LogLine]:
        """All lines written up to now (a partial last line included), removed from the capture."""
        with self._condition:
            self._requested += 1
            ticket = self._requested
            if not self._ended:
                os.write(self._wake_write, b"x")
            self._condition.wait_for(lambda: self._served >= ticket or self._ended, DRAIN_TIMEOUT_S)
            self._end_partial_line()
            lines = [(stamp, text) for stamp, text, _ in self._lines]
            if self._dropped_lines:
                lines.insert(0, (lines[0][0] if lines else now_ms(),
                                 f"[backup-kit] {self._dropped_lines} earlier line(s) of the function's output dropped "
                                 f"({self._dropped_bytes} bytes): more than {MAX_HELD_BYTES >> 20} MiB was written before "
                                 "these were collected"))
            self._lines.clear()
            self._held_bytes = self._dropped_lines = self._dropped_bytes = 0
            return lines

    def close(self) -> None:
        """Waits for the end of the output (the process has exited or been killed)."""
        self._thread.join(DRAIN_TIMEOUT_S)

    def _read(self) -> None:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self._fd, selectors.EVENT_READ)
                selector.register(self._wake_read, selectors.EVENT_READ)
                while not self._ended:
                    woken = any(key.fd == self._wake_read for key, _ in selector.select())
                    if woken:
                        os.read(self._wake_read, 4096)
                        with self._condition:
                            serving = self._requested
                    self._read_available()
                    if woken:
                        with self._condition:
                            self._served = max(self._served, serving)
                            self._condition.notify_all()
        finally:
            with self._condition:
                self._ended = True
                # The process's pipe belongs to its Popen object, which closes it.
                for fd in (self._wake_read, self._wake_write):
                    os.close(fd)
                self._condition.notify_all()

    def _read_available(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return
            with self._condition:
                if not chunk:
                    self._ended = True
                    self._end_partial_line()
                    self._condition.notify_all()
                    return
                self._take(chunk)

    # The helpers below run with the condition held.

    def _take(self, chunk: bytes) -> None:
        stamp = now_ms()
        start = 0
        while (newline := chunk.find(b"\n", start)) >= 0:
            self._partial += chunk[start:newline]
            self._hold_partial(stamp, whole=True)
            start = newline + 1
        self._partial += chunk[start:]
        # A line still being written is held in pieces, so that it never grows beyond one piece and a chunk.
        self._hold_partial(stamp, whole=False)

    def _end_partial_line(self) -> None:
        if self._partial:
            self._hold_partial(now_ms(), whole=True)

    def _hold_partial(self, stamp: int, whole: bool) -> None:
        """Holds the line being read in pieces of at most MAX_LINE_BYTES and removes what it held: all of it when
        `whole`, else only full pieces (the rest of a line still being written stays)."""
        line = self._partial
        while len(line) > MAX_LINE_BYTES:
            cut = _character_boundary(line, MAX_LINE_BYTES)
            self._hold_piece(stamp, bytes(line[:cut]))
            del line[:cut]
        if whole:
            self._hold_piece(stamp, bytes(line))
            line.clear()

    def _hold_piece(self, stamp: int, piece: bytes) -> None:
        self._lines.append((stamp, piece.decode("utf-8", "replace"), len(piece)))
        self._held_bytes += len(piece)
        while self._held_bytes > MAX_HELD_BYTES:
            _, _, size = self._lines.popleft()
            self._held_bytes -= size
            self._dropped_lines += 1
            self._dropped_bytes += size


def _character_boundary(data: bytearray, limit: int) -> int:
    """The largest cut at or below `limit` that does not split a UTF-8 character (continuation bytes are 10xxxxxx)."""
    cut = limit
    while cut > limit - 4 and data[cut] & 0xC0 == 0x80:
        cut -= 1
    return cut if data[cut] & 0xC0 != 0x80 else limit
