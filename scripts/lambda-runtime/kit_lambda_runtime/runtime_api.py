"""The AWS Lambda Runtime API that one Node.js process polls: it hands out one invocation at a time and takes
back its response, its error, or the init error. Served on a free loopback port, one server per process."""

from __future__ import annotations

import os
import queue
import re
import signal
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")


@dataclass(frozen=True)
class PendingInvocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    invoked_function_arn: str
    trace_id: str


@dataclass(frozen=True)
class RuntimeAnswer:
    """What the runtime posted: kind is "response", "error" or "init_error"."""

    kind: str
    request_id: str
    body: bytes
    #: The runtime ends its process after this answer (an error nothing caught): the kit's bootstrap says so in the
    #: EXITING_HEADER, so that the next invocation goes to a new runtime instead of one on its way out.
    exiting: bool = False


EXITING_HEADER = "Lambda-Runtime-Kit-Exiting"
#: The kit's own path: an error nothing caught while the runtime waited for its next invocation, which the kit's
#: bootstrap posts before its process ends, so that the invocation fails with it (on Lambda the frozen process
#: would throw it there).
IDLE_ERROR_PATH = f"{PREFIX}/kit/idle-error"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A runtime that exits or is killed drops its connection: that is the runtime's story, told elsewhere."""


class RuntimeApi:
    """The Runtime API of one runtime process. `answers` receives its first /next poll as kind "ready".

    Given the runtime's process group (`freeze_group`), it freezes that group (SIGSTOP) while a GET /next waits for
    an invocation, and thaws it (SIGCONT) as it hands one over, as Lambda freezes an environment between
    invocations: work a handler left running (a timer, a promise not awaited) waits for the next invocation."""

    def __init__(self) -> None:
        self.answers: queue.Queue[RuntimeAnswer] = queue.Queue()
        #: What the runtime posted to IDLE_ERROR_PATH, if it did.
        self.idle_error: bytes | None = None
        #: Set while the runtime waits for its next invocation (a GET /next is open): where Lambda freezes it.
        self._waiting = threading.Event()
        self._invocations: queue.Queue[PendingInvocation] = queue.Queue()
        self._closed = threading.Event()
        self._polled = False
        #: The process group frozen while it waits for an invocation; None: never frozen (LocalStack's init).
        self.freeze_group: int | None = None
        self._frozen = False
        #: Orders freezing (a GET /next finding nothing to hand over) and thawing (a hand-over).
        self._freezing = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="runtime-api", daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def hand_over(self, invocation: PendingInvocation) -> None:
        with self._freezing:
            self._invocations.put(invocation)
            self._signal_group(signal.SIGCONT)

    def thaw(self) -> None:
        """Lets a frozen runtime run on (to end, where it is on its way out)."""
        with self._freezing:
            self._signal_group(signal.SIGCONT)

    def _freeze_while_idle(self) -> None:
        """Freezes the runtime, which now waits for an invocation, unless one is already there for it."""
        with self._freezing:
            if self.freeze_group is not None and self._invocations.empty() and not self._closed.is_set():
                self._signal_group(signal.SIGSTOP)

    def _signal_group(self, signum: int) -> None:
        """SIGSTOP freezes the group, SIGCONT thaws it (a no-op unless frozen). Called with `_freezing` held."""
        if self.freeze_group is None or (signum == signal.SIGCONT and not self._frozen):
            return
        try:
            os.killpg(self.freeze_group, signum)
        except ProcessLookupError:
            pass  # the runtime is gone: nothing to freeze or thaw
        self._frozen = signum == signal.SIGSTOP

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def waiting_for_next(self) -> bool:
        return self._waiting.is_set()

    def await_waiting(self, timeout_s: float) -> bool:
        """Whether the runtime asks for its next invocation within `timeout_s` (at once when it already has)."""
        return self._waiting.wait(timeout_s)

    def _next_invocation(self) -> PendingInvocation | None:
        self._waiting.set()
        if not self._polled:
            self._polled = True
            self.answers.put(RuntimeAnswer("ready", "", b""))
        self._freeze_while_idle()
        while not self._closed.is_set():
            try:
                invocation = self._invocations.get(timeout=0.5)
                self._waiting.clear()
                return invocation
            except queue.Empty:
                continue
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, delayed ACKs add 40 ms to each.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404, b'{"errorType":"NotFound"}')
                invocation = api._next_invocation()
                if invocation is None:
                    return self._reply(410, b'{"errorType":"EnvironmentStopped"}')
                self._reply(200, invocation.payload, {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_function_arn,
                    "Lambda-Runtime-Trace-Id": invocation.trace_id,
                })

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                match = _INVOCATION_PATH.match(self.path)
                if match:
                    api.answers.put(RuntimeAnswer(match.group(2), match.group(1), body, self.headers.get(EXITING_HEADER) == "true"))
                elif self.path == f"{PREFIX}/init/error":
                    api.answers.put(RuntimeAnswer("init_error", "", body))
                elif self.path == IDLE_ERROR_PATH:
                    api.idle_error = body
                else:
                    return self._reply(404, b'{"errorType":"NotFound"}')
                self._reply(202, b'{"status":"OK"}')

            def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Requests are the runtime's business, not the log's."""

        return Handler
