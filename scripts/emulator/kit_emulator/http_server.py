"""The emulator's HTTP server: HTTP/1.1 keep-alive with a pool of worker threads (cheroot).

moto's server is werkzeug's development server, which answers every request with `Connection: close`
(werkzeug/serving.py, WSGIRequestHandler.run_wsgi: "Always close the connection") and starts a new thread
for each connection: every SDK call pays a TCP handshake and a thread start (~3 ms on this kind of
machine). cheroot keeps connections open between requests, parks idle ones in a selector instead of a
thread, and hands each request to a worker from a fixed pool.

The pool must be larger than anything that can wait on the emulator itself: a synchronous Invoke holds
its worker while the function calls back into the emulator, and so does an SQS long poll. cheroot starts
its workers with a 0.1 s sleep for each one not yet running (workers/threadpool.py, ThreadPool.grow), which
made the emulator's start 2.9 s slower with 64 of them; they are started without it.

cheroot writes through a pure-Python buffer that copies all pending bytes again after every partial send,
quadratic in the response size (a 128 MiB GetObject took 2.4 s, 0.65 s on werkzeug): responses go to the
socket with sendall instead.

Each request's arrival is the kernel's receive timestamp of its first bytes, and its end the moment just
before the last write of its response: timestamps taken by Python threads wait for the GIL, so two calls a
client made in parallel looked sequential (41 of 50 pairs of concurrent HEADs did not overlap); with these
two instants a call counts as sequential only if it arrived after the previous response left.

moto's own request handler keeps the original spelling of `x-amz-meta-*` header names with underscores
(S3 treats `my_key` and `my-key` as different metadata keys, while WSGI folds both into one environ key);
the gateway below does the same from cheroot's parsed headers, so that such metadata survives a copy.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any, Callable, Iterable

from cheroot import makefile, server, wsgi
from cheroot.workers import threadpool
from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header, should_preserve_original_header_name

WORKER_THREADS = 64
# Seconds a connection may stay idle or a request may stall before the server closes it.
CONNECTION_TIMEOUT_S = 120
# Environ keys: when the request arrived (epoch ns), and a callable giving when its response's last write began.
ARRIVED_NS = "backup_kit.arrived_ns"
LAST_WRITE_NS = "backup_kit.last_write_ns"
# Linux's SO_TIMESTAMPNS, which Python 3.11's socket module does not name.
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESPEC = struct.Struct("qq")


class _SendallWriter(makefile.StreamWriter):
    """cheroot's socket writer, sending each write whole and noting when the last one began."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock, "wb")
        self._sock = sock
        self.last_write_ns = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._checkClosed()
        self.last_write_ns = time.time_ns()
        self._sock.sendall(data)
        self.bytes_written += len(data)
        return len(data)


class TimedConnection(server.HTTPConnection):
    """A connection that knows when each request arrived (kernel receive timestamp) and writes with sendall."""

    def __init__(self, http_server: Any, sock: socket.socket, file_factory: Any = makefile.MakeFile) -> None:
        super().__init__(http_server, sock, file_factory)
        self.wfile = _SendallWriter(sock)
        self.arrived_ns: int | None = None
        try:
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            self._timestamps = True
        except OSError:  # not Linux: the request log falls back to the time the application is called
            self._timestamps = False

    def communicate(self) -> bool:
        self.arrived_ns = self._peek_arrival() if self._timestamps and not self.rfile.has_data() else None
        return bool(super().communicate())

    def _peek_arrival(self) -> int | None:
        try:
            data, ancillary, _, _ = self.socket.recvmsg(1, socket.CMSG_SPACE(_TIMESPEC.size), socket.MSG_PEEK)
        except OSError:
            return None  # the read that follows meets the same error and handles it
        for level, kind, payload in ancillary:
            if data and level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(payload) >= _TIMESPEC.size:
                seconds, nanoseconds = _TIMESPEC.unpack(payload[:_TIMESPEC.size])
                return seconds * 1_000_000_000 + nanoseconds
        return None


class _PromptlyStartedPool(threadpool.ThreadPool):
    """cheroot's worker pool, started without sleeping a tenth of a second for every worker not yet running, and
    of daemon threads: a request that waits inside the emulator (an SQS long poll) does not hold its stop, which
    Python would otherwise delay until every worker had answered."""

    def grow(self, amount: int) -> None:
        workers = [self._spawn_worker() for _ in range(min(amount, max(self.max - len(self._threads), 0)))]
        while not all(worker.ready for worker in workers):
            time.sleep(0.001)
        self._threads.extend(workers)

    def _spawn_worker(self) -> threadpool.WorkerThread:
        worker = threadpool.WorkerThread(self.server)
        worker.name = f"CP Server {worker.name}"
        worker.daemon = True
        worker.start()
        return worker


def finish_answering(grace_s: float) -> None:
    """Waits up to grace_s in all for the workers still answering a request. cheroot's stop() waits for them too, but
    in the thread that stops the server; the main thread, which ends the process, waits here."""
    deadline = time.monotonic() + grace_s
    for worker in [thread for thread in threading.enumerate() if isinstance(thread, threadpool.WorkerThread)]:
        worker.join(max(0.0, deadline - time.monotonic()))


class MotoHeaderGateway(wsgi.Gateway_10):
    """WSGI 1.0 environ that reports underscored S3 metadata header names as the client sent them, and the
    request's path as it arrived: moto reads S3 keys from werkzeug's RAW_URI (core/request.py raw_path), and
    without it decodes a key's %25 or %3F a second time."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["RAW_URI"] = environ.get("REQUEST_URI", "")
        # A key may hold a line feed (%0A), which S3 takes. Flask routes the decoded path by regular expressions whose
        # `.` stops at a line feed, so the request found no route (404); moto reads the key from RAW_URI, and the
        # path only has to route.
        environ["PATH_INFO"] = environ.get("PATH_INFO", "").replace("\n", " ")
        sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self.req.inheaders.items()]
        dashed = {environ_key_for_header(name): value for name, value in sent if "_" not in name}
        preserved: dict[str, str] = {}
        for name, _ in sent:
            if not should_preserve_original_header_name(name):
                continue
            key = environ_key_for_header(name)
            if key in dashed:
                # As in moto: an underscored header never stands in for a dashed one.
                environ[key] = dashed[key]
            else:
                # cheroot title-cases names; S3 lower-cases metadata keys anyway.
                preserved[key] = name.lower()
        if preserved:
            environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
        connection = self.req.conn
        if isinstance(connection, TimedConnection):
            if connection.arrived_ns is not None:
                environ[ARRIVED_NS] = connection.arrived_ns
            environ[LAST_WRITE_NS] = lambda: connection.wfile.last_write_ns
        return environ


def keep_alive_server(host: str, port: int, app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]) -> wsgi.Server:
    """The server, not yet bound: prepare() binds it (its bind_addr then holds the real port), serve() runs it."""
    http_server = wsgi.Server((host, port), app, timeout=CONNECTION_TIMEOUT_S, request_queue_size=128)
    http_server.requests = _PromptlyStartedPool(http_server, min=WORKER_THREADS)
    http_server.gateway = MotoHeaderGateway
    http_server.ConnectionClass = TimedConnection
    # Idle keep-alive connections are parked in a selector, not a thread: keep as many as clients open.
    http_server.keep_alive_conn_limit = None
    return http_server
