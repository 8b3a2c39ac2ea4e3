"""Faults injected into the functions' own traffic, for tests that prove the kit loses nothing under them.

The function's SDK names its runtime in its user agent (`exec-env/AWS_Lambda_…`, from AWS_EXECUTION_ENV), so
the emulator can tell a function's requests from everyone else's and answer a share of them as an overloaded
AWS would: S3 with 503 SlowDown or 500 InternalError, the other services with 400 Throttling or 500
InternalFailure. One request can also be held for a while (longer than the function's timeout, to make an
invocation time out mid-flight) and then served, and the process that sends one request can be killed
(SIGKILL, found through the request's TCP connection), e.g. right between a copy and its receipt. A share of
S3 event notifications can be dropped, as one S3 never delivered would be (an event past its maximum age is
not that: Lambda sends it to the on-failure destination); S3 delivers at least once and unordered, so a share
can be delivered twice, and a share of the deliveries to functions can come late, overtaken by later events.
Nothing changes until a test asks:

  PUT /_backup-kit/faults  {"throttle": 0.2, "serverError": 0.1, "dropEvents": 0.05, "seed": 7,
                            "duplicateEvents": 0.1, "delayEvents": {"share": 0.2, "ms": 1500},
                            "holdNext": {"ms": 4000, "operation": "CopyObject"},
                            "killNext": {"operation": "Publish"}}
  GET /_backup-kit/faults  → the settings and what was injected so far;  DELETE → no more faults.

The endpoint is answered with the emulator's other endpoints (launcher.py kit_routes); this module decides.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import lambda_runtime
from .request_log import operation_of, service_of

PATH = "/_backup-kit/faults"
_FUNCTION_AGENT = re.compile(r"exec-env/AWS_Lambda")


@dataclass
class Counts:
    function_requests: int = 0
    throttled: int = 0
    server_errors: int = 0
    held: int = 0
    killed: int = 0
    dropped_events: int = 0
    duplicated_events: int = 0
    delayed_events: int = 0


@dataclass
class Settings:
    throttle: float = 0.0
    server_error: float = 0.0
    drop_events: float = 0.0
    duplicate_events: float = 0.0
    delay_events: float = 0.0
    delay_ms: int = 0
    hold_ms: int = 0
    hold_operation: str | None = None
    kill_operation: str | None = None
    counts: Counts = field(default_factory=Counts)


class FaultInjector:
    """WSGI middleware in front of the emulator: decides, per function request, whether it fails."""

    def __init__(self) -> None:
        self._app: Callable[..., Iterable[bytes]] | None = None
        self._lock = threading.Lock()
        self._settings = Settings()
        self._random = random.Random()
        #: Set when the emulator stops: a held request goes on at once, or it would hold the stop for its hold.
        self._stopping = threading.Event()

    def _drawn(self, share: float) -> bool:
        """Whether a draw of the seeded random falls within `share`; none is drawn for a share of 0, so that a fault
        left off does not move the draws of the others. Called with the lock held."""
        return bool(share) and self._random.random() < share

    def drops_event(self) -> bool:
        """Whether the next S3 event notification is lost."""
        with self._lock:
            dropped = self._drawn(self._settings.drop_events)
            self._settings.counts.dropped_events += dropped
            return dropped

    def duplicates_event(self) -> bool:
        """Whether the next S3 event notification (one not dropped) is delivered twice."""
        with self._lock:
            duplicated = self._drawn(self._settings.duplicate_events)
            self._settings.counts.duplicated_events += duplicated
            return duplicated

    def delivery_delay_s(self) -> float:
        """How late the next delivery of an S3 event to a function comes, in seconds (0: at once)."""
        with self._lock:
            settings = self._settings
            delayed = self._drawn(settings.delay_events if settings.delay_ms else 0.0)
            settings.counts.delayed_events += delayed
            return settings.delay_ms / 1000 if delayed else 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self._app is not None, "faults.wrap() sets the application"
        agent = f"{environ.get('HTTP_USER_AGENT', '')} {environ.get('HTTP_X_AMZ_USER_AGENT', '')}"
        if not _FUNCTION_AGENT.search(agent):
            return self._app(environ, start_response)
        service = service_of(environ)
        fault = self._decide(environ, service)
        if fault is None:
            return self._app(environ, start_response)
        return _error(start_response, service, *fault)

    def _decide(self, environ: dict[str, Any], service: str) -> tuple[int, str, str] | None:
        # Named outside the lock: naming a query-protocol request reads its body (the request log names it anyway).
        operation = operation_of(environ)
        hold = 0
        with self._lock:
            settings = self._settings
            settings.counts.function_requests += 1
            kill = settings.kill_operation is not None and settings.kill_operation == operation
            if kill:
                settings.kill_operation = None  # claimed: only one request kills its sender
            elif settings.hold_ms and (settings.hold_operation is None or settings.hold_operation == operation):
                hold, settings.hold_ms = settings.hold_ms, 0
                settings.counts.held += 1
            else:
                draw = self._random.random()
                if draw < settings.throttle:
                    settings.counts.throttled += 1
                    return (503, "SlowDown", "Please reduce your request rate.") if service == "s3" else (400, "Throttling", "Rate exceeded")
                if draw < settings.throttle + settings.server_error:
                    settings.counts.server_errors += 1
                    return (500, "InternalError", "We encountered an internal error. Please try again.") if service == "s3" else (500, "InternalFailure", "Internal failure")
        if kill:
            # The /proc scan and the signal happen without the lock; a sender that cannot be found is left alive and
            # the kill waits for the next such request.
            killed = _kill_sender(environ)
            with self._lock:
                if killed:
                    settings.counts.killed += 1
                    return 500, "InternalError", "the sender was killed"
                if settings is self._settings and settings.kill_operation is None:
                    settings.kill_operation = operation
            return None
        if hold:
            self._stopping.wait(hold / 1000)
        return None

    def stop_holding(self) -> None:
        """Releases every held request, now and from now on: the emulator is stopping."""
        self._stopping.set()

    def configure(self, method: str, body: bytes) -> dict[str, Any]:
        """PUT or POST sets the faults (an empty body: none), DELETE clears them; any method returns the state.
        Raises InvalidFaults, naming the field, for a body that is not the settings above."""
        parsed = _parse_settings(body) if method in ("PUT", "POST") else None
        with self._lock:
            if parsed is not None:
                settings, seed = parsed
                self._random.seed(seed)
                settings.counts = self._settings.counts
                self._settings = settings
            elif method == "DELETE":
                self._settings = Settings(counts=self._settings.counts)
            return asdict(self._settings)


class InvalidFaults(ValueError):
    pass


def _parse_settings(body: bytes) -> tuple[Settings, Any]:
    """The settings of a PUT body, and its random seed."""
    try:
        given = json.loads(body or b"{}")
    except ValueError as error:
        raise InvalidFaults(f"the body is not JSON ({error})") from error
    if not isinstance(given, dict):
        raise InvalidFaults("the body must be a JSON object")
    unknown = sorted(set(given) - {"throttle", "serverError", "dropEvents", "duplicateEvents", "delayEvents", "seed", "holdNext", "killNext"})
    if unknown:
        raise InvalidFaults(f"unknown field(s) {', '.join(unknown)}")

    def share(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise InvalidFaults(f"{name} must be a share between 0 and 1")
        return float(value)

    def milliseconds(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidFaults(f"{name} must be a whole number of milliseconds")
        return value

    def operation(value: Any, name: str) -> str | None:
        if value is not None and not isinstance(value, str):
            raise InvalidFaults(f"{name}.operation must be an operation name such as CopyObject")
        return value

    seed = given.get("seed")
    if isinstance(seed, bool) or not (seed is None or isinstance(seed, (int, float, str))):
        raise InvalidFaults("seed must be a number or a string")
    hold, kill, delay = given.get("holdNext") or {}, given.get("killNext") or {}, given.get("delayEvents") or {}
    if not isinstance(hold, dict) or not isinstance(kill, dict) or not isinstance(delay, dict):
        raise InvalidFaults('holdNext, killNext and delayEvents must be objects, e.g. {"ms": 4000, "operation": "CopyObject"}, {"share": 0.2, "ms": 1500}')
    for name, nested, allowed in (("holdNext", hold, {"ms", "operation"}), ("killNext", kill, {"operation"}), ("delayEvents", delay, {"share", "ms"})):
        if set(nested) - allowed:
            raise InvalidFaults(f"unknown field(s) {', '.join(sorted(set(nested) - allowed))} in {name}")
    if bool(delay) and set(delay) != {"share", "ms"}:
        raise InvalidFaults('delayEvents needs both its share and its ms, e.g. {"share": 0.2, "ms": 1500}')
    return Settings(
        throttle=share("throttle", given.get("throttle", 0)),
        server_error=share("serverError", given.get("serverError", 0)),
        drop_events=share("dropEvents", given.get("dropEvents", 0)),
        duplicate_events=share("duplicateEvents", given.get("duplicateEvents", 0)),
        delay_events=share("delayEvents.share", delay.get("share", 0)),
        delay_ms=milliseconds("delayEvents.ms", delay.get("ms", 0)),
        hold_ms=milliseconds("holdNext.ms", hold.get("ms", 0)),
        hold_operation=operation(hold.get("operation"), "holdNext"),
        kill_operation=operation(kill.get("operation"), "killNext"),
    ), seed


def _kill_sender(environ: dict[str, Any]) -> bool:
    """Kills the function process on the other end of this request's connection (only ever one of ours)."""
    port = int(environ.get("REMOTE_PORT") or 0)
    inode = _socket_inode(port)
    if inode is None:
        return False
    socket_link = f"socket:[{inode}]"
    for pid in lambda_runtime.pool.pids():
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == socket_link for fd in os.listdir(f"/proc/{pid}/fd")):
                os.kill(pid, signal.SIGKILL)
                return True
        except OSError:
            continue
    return False


def _socket_inode(port: int) -> str | None:
    """The inode of the TCP socket whose local port is `port` (the client's end of a loopback connection)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                for line in list(lines)[1:]:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return fields[9]
        except OSError:
            continue
    return None


def _error(start_response: Callable[..., Any], service: str, status: int, code: str, message: str) -> Iterable[bytes]:
    request_id = uuid.uuid4().hex
    if service == "s3":
        body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>'
    else:
        kind = "Sender" if status < 500 else "Receiver"
        body = f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Slow Down"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)])
    return [body.encode()]


injector = FaultInjector()


def wrap(app: Callable[..., Iterable[bytes]]) -> FaultInjector:
    injector._app = app
    return injector
