"""One Lambda execution environment for a Node.js function: the part of Lambda's init that the kit needs.

It starts `node bootstrap.mjs` with the function's environment, serves it the Runtime API, and turns what
happens into what Lambda reports: the response or the function's error, the timeout (`Task timed out after
N.00 seconds`, runtime discarded), a crash (`Runtime.ExitError`), and an init failure, which, as on AWS, gets an
INIT_REPORT line and is done again inside the first invocation, its result that invocation's. Every invocation's log
lines (the init's, START, the function's output, END, REPORT with Init Duration after a cold start) come back with
the result.

A runtime that timed out, crashed or failed its init is replaced on the next invocation, which starts it inside
its own time (Lambda's suppressed init). A runtime that ended while it waited for its next invocation (an error
nothing caught, which it hands over first, or an exit) fails that invocation with it, as on Lambda, where the
frozen process would meet it there; one that ended right after an answer fails nothing. Callers hand an
environment one invocation at a time, as Lambda does. Stopping an environment kills its runtime at once, even
mid-invocation (which then ends as a crash), and it starts no runtime again. An environment made with
`freeze_when_idle` freezes its runtime's process group while it waits for an invocation, as Lambda does (the
embedded emulator's); LocalStack's init never freezes one (its supervisor's Freeze only reports figures), so
the kit's LocalStack init does not either. Standard library only: this module runs in the embedded emulator's
Python and in LocalStack's.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from . import lifeline
from .node_binary import BOOTSTRAP
from .output_capture import LogLine, OutputCapture, now_ms
from .runtime_api import PendingInvocation, RuntimeAnswer, RuntimeApi

#: How long a runtime that said it ends its process after an answer is given to do so before it is killed.
EXIT_GRACE_S = 2.0
#: How long a runtime may take to load the handler, as Lambda's init phase limit (KIT_LAMBDA_INIT_TIMEOUT_S overrides,
#: for tests). An init that takes longer is tried again inside the first invocation, against the function's timeout.
INIT_TIMEOUT_S = float(os.environ.get("KIT_LAMBDA_INIT_TIMEOUT_S", "10"))



def managed_runtime_flags(memory_mb: int) -> list[str]:
    """The flags the managed nodejs runtime's start-up script (/var/runtime/bootstrap, as public copies of it show)
    gives Node: gc exposed, HTTP headers up to 80 KB, and a heap sized from the function's memory, a tenth of it new
    space (half of that per semi-space) and the rest old space."""
    new_space = memory_mb // 10
    return ["--expose-gc", "--max-http-header-size", "81920", f"--max-semi-space-size={new_space // 2}", f"--max-old-space-size={memory_mb - new_space}"]

@dataclass(frozen=True)
class FunctionSpec:
    """What an environment runs."""

    node_binary: str
    task_root: Path
    handler: str
    #: The function's whole environment: AWS_* variables, credentials, endpoint, the function's own variables.
    variables: Mapping[str, str]
    timeout_s: float
    memory_mb: int
    version: str = "$LATEST"


@dataclass
class InvocationResult:
    request_id: str
    payload: bytes
    #: None when the function succeeded, else "Unhandled" (X-Amz-Function-Error).
    function_error: str | None
    log_lines: list[LogLine]
    duration_ms: float
    cold: bool

    @property
    def errored(self) -> bool:
        return self.function_error is not None

    @property
    def logs(self) -> str:
        return "".join(f"{text}\n" for _, text in self.log_lines)


@dataclass
class _Runtime:
    """One node process and the Runtime API it polls."""

    process: subprocess.Popen[bytes]
    api: RuntimeApi
    output: OutputCapture
    started: float
    init_duration_ms: float | None = None
    init_error: bytes | None = None
    #: Its init outlived INIT_TIMEOUT_S (init_error says so too).
    init_timed_out: bool = False
    #: Its init ended its process: why, as Lambda words it (the invocation then fails with Runtime.ExitError).
    init_exit: str | None = None
    #: Lambda's INIT_REPORT line of an init that failed or timed out (none follows an init that succeeded).
    init_report: LogLine | None = None
    #: Its first invocation carries the cold start (Init Duration in REPORT).
    served_first_invocation: bool = False
    #: The peak memory last read while it ran: a process that died can no longer be asked.
    peak_memory_mb: int = 0

    def kill(self) -> None:
        _kill_group(self.process)

    def stop(self) -> None:
        self.kill()
        self.process.wait()
        lifeline.release(self.process.pid)
        self.api.close()
        self.output.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()

    def max_memory_mb(self) -> int:
        """Its peak resident memory (VmHWM), or the last one read while it ran once it has died."""
        if self.process.returncode is not None:
            return self.peak_memory_mb  # reaped: its pid may be another process's now
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return self.peak_memory_mb
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_memory_mb = max(self.peak_memory_mb, -(-int(line.split()[1]) // 1024))
        return self.peak_memory_mb


class EnvironmentStopped(RuntimeError):
    """The environment was stopped: it runs no invocation and starts no runtime again."""


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kills a runtime and every process it started (its own process group), as Lambda ends a whole sandbox: a
    child left alive would also keep the output pipe open."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the group is gone already


def error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def crash_message(request_id: str, message: str) -> str:
    """The message of an invocation whose runtime ended or never started, as Lambda words its answer and its log."""
    return f"RequestId: {request_id} Error: {message}"


def crash_line(request_id: str, message: str) -> str:
    """The log event of such an invocation, as Lambda writes it: the message, then the error's type on a line of its own."""
    return f"{crash_message(request_id, message)}\nRuntime.ExitError"


def crash_payload(request_id: str, message: str) -> bytes:
    """The answer to such an invocation, as Lambda gives it."""
    return error_payload("Runtime.ExitError", crash_message(request_id, message))


#: Signal names as Lambda's init writes them (Go's), so that "signal: killed" reads as it does in Lambda's logs.
_SIGNAL_NAMES = {
    signal.SIGHUP: "hangup", signal.SIGINT: "interrupt", signal.SIGQUIT: "quit", signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap", signal.SIGABRT: "aborted", signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception", signal.SIGKILL: "killed", signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault", signal.SIGUSR2: "user defined signal 2", signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock", signal.SIGTERM: "terminated",
}


def init_report_line(duration_ms: float, phase: str, status: str, error_type: str | None) -> str:
    """The INIT_REPORT line Lambda writes for an init that failed or timed out, as its CloudWatch logs show it: the
    phase ("init", or "invoke" for an init done again inside an invocation), the status ("error" or "timeout"), and
    for an error its type."""
    line = f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: {phase}\tStatus: {status}"
    return f"{line}\tError Type: {error_type}" if error_type else line


def _error_type(payload: bytes) -> str:
    """The errorType of an error the runtime reported, Runtime.Unknown where it names none."""
    try:
        parsed = json.loads(payload)
    except ValueError:
        return "Runtime.Unknown"
    error_type = parsed.get("errorType") if isinstance(parsed, dict) else None
    return error_type if isinstance(error_type, str) and error_type else "Runtime.Unknown"


def _exit_message(returncode: int) -> str:
    if returncode < 0:
        return f"Runtime exited with error: signal: {_SIGNAL_NAMES.get(-returncode, f'signal {-returncode}')}"
    if returncode == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {returncode}"


class ExecutionEnvironment:
    def __init__(self, spec: FunctionSpec, freeze_when_idle: bool = False) -> None:
        self.spec = spec
        self._freeze_when_idle = freeze_when_idle
        self._runtime: _Runtime | None = None
        #: What a runtime that ended right after its last answer wrote, for the next invocation's logs.
        self._left_behind: list[LogLine] = []
        self._lock = threading.Lock()
        self._stopped = False
        #: The runtime was discarded after a crash, a timeout, an exit or a failed init: the next invocation starts
        #: one inside its own time, as Lambda's "suppressed init" does (no Init Duration; the init counts against
        #: the invocation's timeout and is in its Duration).
        self._reinit_in_invocation = False

    # Lifecycle

    def start(self) -> None:
        """Starts the runtime and waits for its init to end (ready or failed; a failure is reported by the next invoke)."""
        with self._lock:
            self._ensure_runtime()

    def stop(self) -> None:
        """Kills the runtime without waiting for the invocation it may be running: that invocation ends as a crash
        (Runtime.ExitError), so that deleting a function or stopping the emulator is not held to the function's
        timeout."""
        # Set before the runtime is read, as _ensure_runtime sets the runtime before it reads this: one of the two
        # sees the other, so a runtime spawned meanwhile is killed too.
        self._stopped = True
        runtime = self._runtime
        if runtime:
            runtime.kill()
        with self._lock:
            if self._runtime:
                self._runtime.stop()
                self._runtime = None

    @property
    def pid(self) -> int | None:
        runtime = self._runtime  # read once: stop() may clear it meanwhile
        return runtime.process.pid if runtime else None

    @property
    def init_duration_ms(self) -> float | None:
        """How long its runtime's init took; None before one started."""
        runtime = self._runtime
        return runtime.init_duration_ms if runtime else None

    def _spawn(self) -> _Runtime:
        api = RuntimeApi()
        # Lambda's NODE_PATH ends in the code's root, where a bare name such as 'lib/helper' resolves (the layers'
        # and the runtime's folders before it hold nothing here); a function's configuration may replace it.
        variables = {"NODE_PATH": str(self.spec.task_root), **self.spec.variables}
        variables.update({
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": self.spec.handler,
            "LAMBDA_TASK_ROOT": str(self.spec.task_root),
            "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
            "AWS_LAMBDA_FUNCTION_VERSION": self.spec.version,
        })
        try:
            process = subprocess.Popen(
                [self.spec.node_binary, *managed_runtime_flags(self.spec.memory_mb), str(BOOTSTRAP)],
                cwd=self.spec.task_root,
                env=variables,
                # stdin is the lifeline: when this process dies, the runtime reads EOF and exits.
                stdin=subprocess.PIPE,
                # Its own process group, so that stopping it stops what the function started too.
                start_new_session=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except BaseException:
            api.close()  # its server thread and socket would outlive every failed start
            raise
        # Its process group ends with this process, even where this process is killed.
        lifeline.hold(process.pid)
        if self._freeze_when_idle:
            # Set before the runtime can ask for anything: Node takes tens of milliseconds to start.
            api.freeze_group = process.pid
        assert process.stdout is not None
        try:
            output = OutputCapture(process.stdout.fileno())
        except BaseException:
            _kill_group(process)
            process.wait()
            lifeline.release(process.pid)
            api.close()
            raise
        return _Runtime(process, api, output, time.monotonic())

    def _ensure_runtime(self, init_timeout_s: float = INIT_TIMEOUT_S, phase: str = "init") -> _Runtime:
        runtime = self._runtime
        if runtime and runtime.process.poll() is None and runtime.init_error is None:
            return runtime
        # An init that failed (or timed out) in start() is the first invocation's to report, not to run again first.
        if runtime and runtime.init_error is not None and not runtime.served_first_invocation:
            return runtime
        if self._runtime:
            self._runtime.stop()
            self._runtime = None  # stopped once: a start that fails below must not leave it to be stopped again
        if self._stopped:
            raise EnvironmentStopped("the execution environment was stopped")
        runtime = self._runtime = self._spawn()
        if self._stopped:
            runtime.kill()
        answer = self._await_answer(runtime, init_timeout_s)
        runtime.init_duration_ms = (time.monotonic() - runtime.started) * 1000
        if isinstance(answer, RuntimeAnswer) and answer.kind == "ready":
            return runtime
        if isinstance(answer, RuntimeAnswer) and answer.kind == "init_error":
            runtime.init_error = answer.body
            status, error_type = "error", _error_type(answer.body)
        elif answer == "exited":
            runtime.init_exit = _exit_message(runtime.process.returncode)
            runtime.init_error = error_payload("Runtime.ExitError", runtime.init_exit)
            status, error_type = "error", "Runtime.ExitError"
        else:
            runtime.init_error = error_payload("Runtime.InitTimeout", f"Init timed out after {init_timeout_s:.2f} seconds")
            runtime.init_timed_out = True
            runtime.kill()
            status, error_type = "timeout", None
        runtime.init_report = (now_ms(), init_report_line(runtime.init_duration_ms, phase, status, error_type))
        return runtime

    @staticmethod
    def _await_answer(runtime: _Runtime, timeout_s: float, request_id: str | None = None) -> RuntimeAnswer | str:
        """The runtime's next answer (for `request_id` when given: another invocation's is dropped), "exited" when it
        died first, or "timeout"."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                answer = runtime.api.answers.get(timeout=min(0.05, max(0.0, deadline - time.monotonic())))
                if request_id is None or answer.request_id == request_id:
                    return answer
                continue
            except queue.Empty:
                # Read while it runs (every 50 ms of a long invocation): a runtime that dies takes its figures with it.
                runtime.max_memory_mb()
            if runtime.process.poll() is not None:
                # What it posted before it died still counts; another invocation's answer does not.
                while True:
                    try:
                        answer = runtime.api.answers.get_nowait()
                    except queue.Empty:
                        return "exited"
                    if request_id is None or answer.request_id == request_id:
                        return answer
            if time.monotonic() >= deadline:
                return "timeout"

    # Invocation

    def invoke(self, request_id: str, payload: bytes, invoked_function_arn: str, trace_id: str = "") -> InvocationResult:
        with self._lock:
            return self._invoke(request_id, payload, invoked_function_arn, trace_id)

    def _ended_while_idle(self, request_id: str) -> InvocationResult | None:
        """The answer to an invocation whose runtime ended while it waited for that invocation (init ready, a GET
        /next open): an error nothing caught (a timer that throws, a promise not awaited that rejects), which the
        runtime handed over before it ended, or an exit (a timer that called process.exit). On Lambda the environment
        is frozen then, and what ends it runs on in the next invocation, which fails with that error, or with
        Runtime.ExitError. What the runtime wrote goes to this invocation's logs; the next one starts a new runtime.
        A runtime that ended right after an answer, before it asked for the next invocation (not yet frozen on
        Lambda), fails nothing: its lines go to the next invocation's logs, which starts a new runtime."""
        runtime = self._runtime
        if not runtime or runtime.init_error is not None:
            return None
        # Right after an answer the runtime asks for the next invocation at once, unless it is ending or busy: wait
        # for one or the other, so that an invocation is never handed to a runtime on its way out. One still busy a
        # whole timeout after its answer is ended here, and this invocation goes to a new runtime.
        deadline = time.monotonic() + self.spec.timeout_s
        while not runtime.api.await_waiting(0.005) and runtime.process.poll() is None:
            if time.monotonic() >= deadline:
                runtime.kill()
        if runtime.api.idle_error is not None:
            # It posts the error, then ends its process: it is not handed this invocation on its way out (and, frozen
            # on the way, is let go on to its end).
            runtime.api.thaw()
            with contextlib.suppress(subprocess.TimeoutExpired):
                runtime.process.wait(timeout=EXIT_GRACE_S)
        elif runtime.process.poll() is None:
            return None
        runtime.kill()
        runtime.process.wait()
        message = _exit_message(runtime.process.returncode)
        lines = runtime.output.drain()
        runtime.stop()
        self._runtime = None
        self._reinit_in_invocation = True
        if runtime.api.idle_error is None and not runtime.api.waiting_for_next:
            self._left_behind = [*lines, (now_ms(), f"{message} (after its last answer: a new runtime starts)")]
            return None
        answer = runtime.api.idle_error or crash_payload(request_id, message)
        lines.append(self._start_line(request_id))
        lines.append((now_ms(), crash_line(request_id, message)))
        lines.extend(self._end_lines(request_id, 0.0, runtime.peak_memory_mb))
        return InvocationResult(request_id, answer, "Unhandled", lines, 0.0, False)

    def _start_line(self, request_id: str) -> LogLine:
        return now_ms(), f"START RequestId: {request_id} Version: {self.spec.version}"

    def _end_lines(self, request_id: str, duration_ms: float, memory_mb: int, init_duration_ms: float | None = None) -> list[LogLine]:
        """END and REPORT, as Lambda writes them; Init Duration only after a cold start that was not the invocation's."""
        report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {int(duration_ms) + 1} ms"
                  f"\tMemory Size: {self.spec.memory_mb} MB\tMax Memory Used: {memory_mb} MB")
        if init_duration_ms is not None:
            report += f"\tInit Duration: {init_duration_ms:.2f} ms"
        return [(now_ms(), f"END RequestId: {request_id}"), (now_ms(), report)]

    def _clock_starts(self) -> tuple[float, int]:
        """An invocation's start, and its deadline as the runtime is told it (epoch ms)."""
        return time.monotonic(), int(time.time() * 1000 + self.spec.timeout_s * 1000)

    def _invoke(self, request_id: str, payload: bytes, invoked_function_arn: str, trace_id: str) -> InvocationResult:
        ended = self._ended_while_idle(request_id)
        if ended:
            return ended
        suppressed_init = self._runtime is None and self._reinit_in_invocation
        # The invocation's clock starts after an init, as the function's timeout does on Lambda, but before a
        # suppressed one, which is the invocation's.
        started, deadline_ms = self._clock_starts()
        runtime = self._ensure_runtime(init_timeout_s=self.spec.timeout_s, phase="invoke") if suppressed_init else self._ensure_runtime()
        self._reinit_in_invocation = False
        if not suppressed_init:
            started, deadline_ms = self._clock_starts()
        cold = not runtime.served_first_invocation
        runtime.served_first_invocation = True
        exiting = False
        lines: list[LogLine] = self._left_behind + runtime.output.drain()
        self._left_behind = []
        if runtime.init_report:
            lines.append(runtime.init_report)
        function_error: str | None = "Unhandled"
        memory_mb = 0
        if runtime.init_error is not None and not suppressed_init:
            # As on Lambda: an init that failed or outlived its limit is done again inside this invocation, against its
            # timeout, before its START (the failed runtime has served its first invocation now, so it is replaced).
            # Its time is the invocation's (Duration holds it), not an Init Duration of its own.
            started, deadline_ms = self._clock_starts()
            runtime = self._ensure_runtime(init_timeout_s=self.spec.timeout_s, phase="invoke")
            runtime.served_first_invocation = True
            suppressed_init = True
            lines.extend(runtime.output.drain())
            if runtime.init_report:
                lines.append(runtime.init_report)
        lines.append(self._start_line(request_id))
        if runtime.init_timed_out:
            answered = time.monotonic()
            lines.extend(runtime.output.drain())
            answer_body = self._timed_out(request_id, lines)
        elif runtime.init_error is not None:
            answered = time.monotonic()
            lines.extend(runtime.output.drain())
            if runtime.init_exit is not None:
                # A runtime that ended during its init fails the invocation as one that ends during it does.
                lines.append((now_ms(), crash_line(request_id, runtime.init_exit)))
                answer_body = crash_payload(request_id, runtime.init_exit)
            else:
                answer_body = runtime.init_error
        else:
            runtime.api.hand_over(PendingInvocation(request_id, payload, deadline_ms, invoked_function_arn, trace_id))
            answer = self._await_answer(runtime, self.spec.timeout_s - (time.monotonic() - started), request_id)
            # The Duration ends with the runtime's answer, as on Lambda: what follows is the emulator's bookkeeping.
            answered = time.monotonic()
            memory_mb = runtime.max_memory_mb()
            if isinstance(answer, RuntimeAnswer) and answer.kind in ("response", "error"):
                answer_body = answer.body
                function_error = None if answer.kind == "response" else "Unhandled"
                exiting = answer.exiting
                if exiting:
                    # It ends its process after this answer: its last words are waited for, and it is replaced below.
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        runtime.process.wait(timeout=EXIT_GRACE_S)
                lines.extend(runtime.output.drain())
            elif answer == "exited":
                message = _exit_message(runtime.process.returncode)
                lines.extend(runtime.output.drain())
                lines.append((now_ms(), crash_line(request_id, message)))
                # An error it met while waiting for this invocation, handed over as it took it, is this one's.
                answer_body = runtime.api.idle_error or crash_payload(request_id, message)
            else:
                runtime.kill()
                runtime.process.wait()
                lines.extend(runtime.output.drain())
                answer_body = self._timed_out(request_id, lines)
        duration_ms = (answered - started) * 1000
        lines.extend(self._end_lines(request_id, duration_ms, memory_mb, runtime.init_duration_ms if cold and not suppressed_init else None))
        if exiting or runtime.process.poll() is not None or runtime.init_error is not None:
            runtime.stop()
            self._runtime = None
            self._reinit_in_invocation = True
        return InvocationResult(request_id, answer_body, function_error, lines, duration_ms, cold)

    def _timed_out(self, request_id: str, lines: list[LogLine]) -> bytes:
        """Logs that the invocation timed out, as Lambda words it, and returns its error payload."""
        message = f"Task timed out after {self.spec.timeout_s:.2f} seconds"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lines.append((now_ms(), f"{stamp} {request_id} {message}"))
        return error_payload("Sandbox.Timedout", f"{stamp} {request_id} {message}")
