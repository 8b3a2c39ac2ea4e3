"""Reads a runtime process's output (stdout and stderr share one pipe) into timestamped lines.

`drain()` returns every line written so far: a reader thread owns the pipe, and a drain asks it, through a
wake-up pipe, to read until nothing is left, so lines written before a response are attributed to that
invocation and not to the next one.

The reader waits with `selectors` (epoll, poll): select.select refuses descriptors above 1023, which a busy
emulator or LocalStack reaches. Once the reader has ended, for whatever reason, a drain no longer writes to
its wake-up pipe, whose descriptors are closed (and their numbers perhaps reused) by then.
"""

from __future__ import annotations

import os
import selectors
import threading
import time

LogLine = tuple[int, str]
DRAIN_TIMEOUT_S = 2.0


def now_ms() -> int:
    return int(time.time() * 1000)


class OutputCapture:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        # The reader reads what is there and no more; only this process reads the pipe.
        os.set_blocking(fd, False)
        self._wake_read, self._wake_write = os.pipe()
        self._lines: list[LogLine] = []
        self._partial = b""
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
            if self._partial:
                self._lines.append((now_ms(), self._partial.decode("utf-8", "replace")))
                self._partial = b""
            lines, self._lines = self._lines, []
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
                    if self._partial:
                        self._lines.append((now_ms(), self._partial.decode("utf-8", "replace")))
                        self._partial = b""
                    self._condition.notify_all()
                    return
                *complete, self._partial = (self._partial + chunk).split(b"\n")
                stamp = now_ms()
                self._lines.extend((stamp, line.decode("utf-8", "replace")) for line in complete)
