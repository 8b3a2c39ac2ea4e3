"""The emulator's HTTP server: HTTP/1.1 keep-alive with a pool of worker threads (cheroot).

moto's server is werkzeug's development server, which answers every request with `Connection: close`
(werkzeug/serving.py, WSGIRequestHandler.run_wsgi: "Always close the connection") and starts a new thread
for each connection: every SDK call pays a TCP handshake and a thread start (~3 ms on this kind of
machine). cheroot keeps connections open between requests, parks idle ones in a selector instead of a
thread, and hands each request to a worker from a fixed pool.

The pool must be larger than anything that can wait on the emulator itself: a synchronous Invoke holds
its worker while the function calls back into the emulator, and so does an SQS long poll.

moto's own request handler keeps the original spelling of `x-amz-meta-*` header names with underscores
(S3 treats `my_key` and `my-key` as different metadata keys, while WSGI folds both into one environ key);
the gateway below does the same from cheroot's parsed headers, so that such metadata survives a copy.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from cheroot import wsgi
from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header, should_preserve_original_header_name

WORKER_THREADS = 64
# Idle keep-alive connections are parked in a selector, not a thread: keep as many as clients open.
KEEP_ALIVE_CONNECTIONS = 1024
# Seconds a connection may stay idle or a request may stall before the server closes it.
CONNECTION_TIMEOUT_S = 120


class MotoHeaderGateway(wsgi.Gateway_10):
    """WSGI 1.0 environ that reports underscored S3 metadata header names as the client sent them."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
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
        return environ


def keep_alive_server(host: str, port: int, app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]) -> wsgi.Server:
    """The server, not yet bound: prepare() binds it (its bind_addr then holds the real port), serve() runs it."""
    server = wsgi.Server((host, port), app, numthreads=WORKER_THREADS, timeout=CONNECTION_TIMEOUT_S, request_queue_size=128)
    server.gateway = MotoHeaderGateway
    server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
    return server
